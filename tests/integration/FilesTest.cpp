// The files plugin over real HTTP: listing, uploads (multipart, raw, chunked), /content,
// /raw (exact bytes, ETag, Range, disposition, HEAD), the tree, folders, delete, rename,
// move, public flag and the one path validator.
#include <atomic>
#include <ctime>
#include <regex>
#include <thread>

#include <Poco/DateTimeFormat.h>
#include <Poco/DateTimeParser.h>

#include "FilesTestSupport.h"

namespace hub::tests::files {
namespace {

class FilesTest : public FilesFixture {
protected:
    void SetUp() override {
        startServer();
        alice_ = addUser("alice");
    }
    User alice_;
};

TEST_F(FilesTest, ListReturnsOnlyTheCallersFilesRecursivelyWithFileEntryKeys) {
    putOk(alice_, "a.txt", "A");
    putOk(alice_, "docs/b.md", "# B\n");
    putOk(alice_, "docs/deep/c.txt", "CCC");
    ASSERT_EQ(mkdir(alice_, "empty").status, 201);
    User bob = addUser("bob");
    putOk(bob, "other.txt", "bob's");

    const std::regex floatSeconds("^[0-9]+\\.[0-9]{1,6}$");
    for (const std::string& url : std::vector<std::string>{"/api/v1/files/", "/api/v1/files"}) {
        SCOPED_TRACE(url);
        auto r = server_.get(url, alice_.auth());
        ASSERT_EQ(r.status, 200) << r.body;
        auto a = arr(r);
        ASSERT_EQ(a->size(), 3u) << r.body;  // files only, folders left out, bob's file left out
        EXPECT_EQ(names(a), (std::vector<std::string>{"a.txt", "docs/b.md", "docs/deep/c.txt"}));
        for (std::size_t i = 0; i < a->size(); ++i) {
            auto e = a->getObject(static_cast<unsigned>(i));
            for (const char* key : {"name", "type", "content_type", "is_public", "created_at", "updated_at",
                                    "metadata", "id", "size", "etag"}) {
                EXPECT_TRUE(e->has(key)) << key << " missing in " << r.body;
            }
            EXPECT_EQ(str(e, "type"), "file");
            EXPECT_FALSE(e->getValue<bool>("is_public"));
            EXPECT_TRUE(e->get("created_at").isString());
            EXPECT_TRUE(std::regex_match(str(e, "created_at"), floatSeconds)) << str(e, "created_at");
            EXPECT_TRUE(std::regex_match(str(e, "updated_at"), floatSeconds)) << str(e, "updated_at");
            double created = std::stod(str(e, "created_at"));
            EXPECT_NEAR(created, static_cast<double>(std::time(nullptr)), 120.0);
            EXPECT_FALSE(e->getObject("metadata").isNull());
            EXPECT_EQ(str(e, "id").size(), 36u);
            EXPECT_EQ(str(e, "etag").front(), '"');
            EXPECT_EQ(str(e, "etag").back(), '"');
        }
        EXPECT_EQ(a->getObject(0)->getValue<int64_t>("size"), 1);
        EXPECT_EQ(a->getObject(2)->getValue<int64_t>("size"), 3);
        EXPECT_EQ(str(a->getObject(0), "content_type"), "text/plain");
    }
    auto bobs = arr(list(bob));
    EXPECT_EQ(names(bobs), (std::vector<std::string>{"other.txt"}));
}

TEST_F(FilesTest, MultipartUploadCreatesNestedPathWithParentFolders) {
    auto r = upload(alice_, "docs/reports/q1.txt", "quarterly numbers", "q1.txt");
    ASSERT_EQ(r.status, 200) << r.body;
    auto o = r.object();
    EXPECT_EQ(str(o, "filename"), "docs/reports/q1.txt");
    EXPECT_EQ(str(o, "name"), "docs/reports/q1.txt");
    EXPECT_EQ(str(o, "type"), "file");
    EXPECT_EQ(o->getValue<int64_t>("size"), 17);
    EXPECT_EQ(rows("kind = 'folder'"), 2);
    EXPECT_EQ(rowsAt("docs"), 1);
    EXPECT_EQ(rowsAt("docs/reports"), 1);

    auto c = getContent(alice_, "docs/reports/q1.txt");
    ASSERT_EQ(c.status, 200) << c.body;
    EXPECT_EQ(str(c.object(), "content"), "quarterly numbers");

    auto t = tree(alice_).object()->getArray("children");
    auto docs = findBy(t, "name", "docs");
    ASSERT_TRUE(docs) << tree(alice_).body;
    EXPECT_EQ(str(docs, "type"), "folder");
    auto reports = findBy(docs->getArray("children"), "name", "reports");
    ASSERT_TRUE(reports);
    auto q1 = findBy(reports->getArray("children"), "name", "q1.txt");
    ASSERT_TRUE(q1);
    EXPECT_EQ(str(q1, "path"), "docs/reports/q1.txt");
}

TEST_F(FilesTest, MultipartUploadReplacesAnExistingFileKeepingItsId) {
    auto first = upload(alice_, "notes/todo.txt", "first version");
    ASSERT_EQ(first.status, 200) << first.body;
    auto second = upload(alice_, "notes/todo.txt", "the second, longer version");
    ASSERT_EQ(second.status, 200) << second.body;
    EXPECT_EQ(str(second.object(), "id"), str(first.object(), "id"));
    EXPECT_NE(str(second.object(), "etag"), str(first.object(), "etag"));
    EXPECT_EQ(second.object()->getValue<int64_t>("size"), 26);
    EXPECT_EQ(str(getContent(alice_, "notes/todo.txt").object(), "content"), "the second, longer version");
    EXPECT_EQ(rowsAt("notes/todo.txt"), 1);
    EXPECT_EQ(arr(list(alice_))->size(), 1u);
    EXPECT_EQ(chunkFiles(server_.dataDir()).size(), 1u);  // the first version's blob is gone
}

TEST_F(FilesTest, MultipartUploadWithoutFileFieldIs422WithHubGptDetail) {
    // Only HubGPT's is_public form field, and a file under another field name.
    for (const auto& parts : {std::vector<Part>{{"is_public", std::nullopt, "true"}},
                              std::vector<Part>{{"document", std::string("x.txt"), "hello"}}}) {
        auto r = server_.request("POST", filesUrl("missing.txt"), multipartBody(parts), multipartHeaders(alice_.auth()));
        ASSERT_EQ(r.status, 422) << r.body;
        auto detail = r.object()->getArray("detail");
        ASSERT_TRUE(detail) << r.body;
        ASSERT_EQ(detail->size(), 1u);
        auto item = detail->getObject(0);
        EXPECT_EQ(str(item, "type"), "missing");
        auto loc = item->getArray("loc");
        ASSERT_EQ(loc->size(), 2u);
        EXPECT_EQ(loc->getElement<std::string>(0), "body");
        EXPECT_EQ(loc->getElement<std::string>(1), "file");
    }
    auto notMultipart = server_.request("POST", filesUrl("missing.txt"), "plain body",
                                        {{"Authorization", "Bearer " + alice_.token}, {"Content-Type", "text/plain"}});
    EXPECT_EQ(notMultipart.status, 422) << notMultipart.body;
    EXPECT_EQ(rows(), 0);
    EXPECT_EQ(chunkFiles(server_.dataDir()).size(), 0u);
}

TEST_F(FilesTest, RawPutIs201WhenCreatedAnd200WhenReplaced) {
    auto created = put(alice_, "raw/data.bin", "version one");
    ASSERT_EQ(created.status, 201) << created.body;
    EXPECT_EQ(str(created.object(), "name"), "raw/data.bin");
    EXPECT_EQ(created.object()->getValue<int64_t>("size"), 11);
    auto replaced = put(alice_, "raw/data.bin", "version two!");
    ASSERT_EQ(replaced.status, 200) << replaced.body;
    EXPECT_EQ(str(replaced.object(), "id"), str(created.object(), "id"));
    EXPECT_NE(str(replaced.object(), "etag"), str(created.object(), "etag"));
    EXPECT_EQ(replaced.object()->getValue<int64_t>("size"), 12);
    EXPECT_EQ(getRaw(alice_, "raw/data.bin").body, "version two!");
    EXPECT_EQ(rowsAt("raw/data.bin"), 1);
}

TEST_F(FilesTest, ChunkedRawPutStoresTheExactBytes) {
    std::string payload = allBytes();
    std::string req = requestHead("PUT", filesUrl("chunked/all.bin"),
                                  {{"Authorization", "Bearer " + alice_.token}, {"Transfer-Encoding", "chunked"},
                                   {"Connection", "close"}});
    req += chunk(payload.substr(0, 5)) + chunk(payload.substr(5, 300)) + chunk(payload.substr(305)) + "0\r\n\r\n";
    auto r = parseRawResponse(server_.raw(req));
    ASSERT_EQ(r.status, 201) << r.body;
    auto back = getRaw(alice_, "chunked/all.bin");
    ASSERT_EQ(back.status, 200);
    EXPECT_EQ(back.body, payload);
}

TEST_F(FilesTest, ContentReturnsUtf8TextWithNewlinesNormalisedToLf) {
    const std::string text = "one\r\ntwo\rthree\nfour \xE2\x9C\x93\r\n";
    putOk(alice_, "text/lines.txt", text);
    auto r = getContent(alice_, "text/lines.txt");
    ASSERT_EQ(r.status, 200) << r.body;
    auto o = r.object();
    EXPECT_EQ(o->size(), 2u);
    EXPECT_EQ(str(o, "filename"), "text/lines.txt");
    EXPECT_EQ(str(o, "content"), "one\ntwo\nthree\nfour \xE2\x9C\x93\n");
    EXPECT_EQ(getRaw(alice_, "text/lines.txt").body, text);  // the stored bytes are untouched
}

TEST_F(FilesTest, ContentOfABinaryFileIs415PointingToRaw) {
    putOk(alice_, "img/logo.png", std::string("\x89PNG\r\n\x1a\n\xff\xfe", 10));
    auto r = getContent(alice_, "img/logo.png");
    EXPECT_EQ(r.status, 415) << r.body;
    EXPECT_EQ(r.errorCode(), "binary_content");
    EXPECT_NE(errorMessage(r).find("/raw"), std::string::npos) << r.body;
}

TEST_F(FilesTest, RawReturnsTheExactBytesWithEtagLastModifiedAndNosniff) {
    const std::string payload = allBytes() + std::string("\0\xff\0", 3);
    auto stored = putOk(alice_, "bin/all-bytes.bin", payload);
    auto r = getRaw(alice_, "bin/all-bytes.bin");
    ASSERT_EQ(r.status, 200);
    EXPECT_EQ(r.body.size(), payload.size());
    EXPECT_TRUE(r.body == payload) << "downloaded bytes differ from the uploaded ones";
    EXPECT_EQ(r.header("Content-Length"), std::to_string(payload.size()));
    EXPECT_EQ(r.header("ETag"), str(stored, "etag"));
    EXPECT_EQ(r.header("X-Content-Type-Options"), "nosniff");
    EXPECT_EQ(r.header("Accept-Ranges"), "bytes");
    Poco::DateTime lastModified;
    int tz = 0;
    ASSERT_TRUE(Poco::DateTimeParser::tryParse(Poco::DateTimeFormat::HTTP_FORMAT, r.header("Last-Modified"),
                                               lastModified, tz))
        << r.header("Last-Modified");
    EXPECT_NEAR(static_cast<double>(lastModified.timestamp().epochTime()), static_cast<double>(std::time(nullptr)),
                120.0);
}

TEST_F(FilesTest, RawIfNoneMatchGives304ForTheTagAListWeakFormAndStar) {
    auto stored = putOk(alice_, "cache/page.txt", "cached text");
    std::string etag = str(stored, "etag");
    for (const std::string& inm : std::vector<std::string>{etag, "\"nope\", " + etag, "W/" + etag, "*", "\"a\",W/" + etag + " ,\"b\""}) {
        SCOPED_TRACE(inm);
        auto r = getRaw(alice_, "cache/page.txt", {{"If-None-Match", inm}});
        EXPECT_EQ(r.status, 304);
        EXPECT_EQ(r.body, "");
        EXPECT_EQ(r.header("ETag"), etag);
    }
    auto miss = getRaw(alice_, "cache/page.txt", {{"If-None-Match", "\"0123456789abcdef\""}});
    EXPECT_EQ(miss.status, 200);
    EXPECT_EQ(miss.body, "cached text");
    // After a change the old tag no longer matches.
    putOk(alice_, "cache/page.txt", "changed text");
    auto changed = getRaw(alice_, "cache/page.txt", {{"If-None-Match", etag}});
    EXPECT_EQ(changed.status, 200);
    EXPECT_EQ(changed.body, "changed text");
}

TEST_F(FilesTest, RawServesSingleByteRangesAnd416BeyondTheEnd) {
    putOk(alice_, "digits.txt", "0123456789");
    struct Case {
        std::string range;
        std::string body;
        std::string contentRange;
    };
    for (const auto& c : {Case{"bytes=0-4", "01234", "bytes 0-4/10"}, Case{"bytes=-3", "789", "bytes 7-9/10"},
                          Case{"bytes=5-", "56789", "bytes 5-9/10"}, Case{"bytes=3-100", "3456789", "bytes 3-9/10"},
                          Case{"bytes=9-9", "9", "bytes 9-9/10"}, Case{"bytes=-50", "0123456789", "bytes 0-9/10"}}) {
        SCOPED_TRACE(c.range);
        auto r = getRaw(alice_, "digits.txt", {{"Range", c.range}});
        EXPECT_EQ(r.status, 206);
        EXPECT_EQ(r.body, c.body);
        EXPECT_EQ(r.header("Content-Range"), c.contentRange);
        EXPECT_EQ(r.header("Content-Length"), std::to_string(c.body.size()));
    }
    for (const std::string& beyond : std::vector<std::string>{"bytes=10-", "bytes=99-200"}) {
        auto r = getRaw(alice_, "digits.txt", {{"Range", beyond}});
        EXPECT_EQ(r.status, 416) << beyond;
        EXPECT_EQ(r.header("Content-Range"), "bytes */10") << beyond;
    }
    // Malformed (or multi-range) headers are ignored: the whole file.
    for (const std::string& bad : std::vector<std::string>{"bytes=abc", "bytes=5-2", "items=0-1", "bytes=0-1,3-4", "bytes=", "bytes=--1"}) {
        auto r = getRaw(alice_, "digits.txt", {{"Range", bad}});
        EXPECT_EQ(r.status, 200) << bad;
        EXPECT_EQ(r.body, "0123456789") << bad;
    }
    // If-Range with another tag: the whole file.
    auto stale = getRaw(alice_, "digits.txt", {{"Range", "bytes=0-1"}, {"If-Range", "\"stale\""}});
    EXPECT_EQ(stale.status, 200);
    EXPECT_EQ(stale.body, "0123456789");
}

TEST_F(FilesTest, ActiveContentIsServedAsAttachmentAndPlainTextInline) {
    const std::string html = "<!DOCTYPE html><html><script>alert(1)</script></html>";
    const std::string svg =
        "<?xml version=\"1.0\"?>\n<svg xmlns=\"http://www.w3.org/2000/svg\"><script>alert(1)</script></svg>\n";
    putOk(alice_, "web/page.html", html);
    putOk(alice_, "web/page.txt", html);  // HTML bytes under a harmless name
    putOk(alice_, "web/drawing.svg", svg);
    putOk(alice_, "web/plain.txt", "just words\n");
    for (const std::string& name : std::vector<std::string>{"page.html", "page.txt", "drawing.svg"}) {
        SCOPED_TRACE(name);
        auto r = getRaw(alice_, "web/" + name);
        ASSERT_EQ(r.status, 200);
        std::string cd = r.header("Content-Disposition");
        EXPECT_EQ(cd.rfind("attachment;", 0), 0u) << cd;
        EXPECT_NE(cd.find("filename*=UTF-8''" + name), std::string::npos) << cd;
        EXPECT_EQ(r.header("X-Content-Type-Options"), "nosniff");
    }
    auto plain = getRaw(alice_, "web/plain.txt");
    EXPECT_EQ(plain.header("Content-Disposition").rfind("inline;", 0), 0u) << plain.header("Content-Disposition");
    EXPECT_NE(plain.header("Content-Disposition").find("filename*=UTF-8''plain.txt"), std::string::npos);
    EXPECT_EQ(plain.header("Content-Type").rfind("text/plain", 0), 0u);
}

TEST_F(FilesTest, HeadOnRawReturnsHeadersAndLengthWithoutABody) {
    const std::string payload = "0123456789abcdef";
    auto stored = putOk(alice_, "head/file.txt", payload);
    std::string resp = server_.raw(requestHead("HEAD", filesUrl("head/file.txt") + "/raw",
                                               {{"Authorization", "Bearer " + alice_.token}, {"Connection", "close"}}));
    auto r = parseRawResponse(resp);
    ASSERT_TRUE(r.complete) << resp;
    EXPECT_EQ(r.status, 200);
    EXPECT_EQ(r.header("Content-Length"), std::to_string(payload.size()));
    EXPECT_EQ(r.header("ETag"), str(stored, "etag"));
    EXPECT_FALSE(r.header("Last-Modified").empty());
    EXPECT_EQ(r.body, "") << "HEAD must not send a body";
}

TEST_F(FilesTest, TreeShowsNestedFoldersWithSizeTypePublicFlagAndShareCount) {
    User bob = addUser("bob");
    putOk(alice_, "docs/a.txt", "12345");
    putOk(alice_, "docs/sub/b.txt", "bb");
    auto top = putOk(alice_, "top.txt", "top");
    ASSERT_EQ(mkdir(alice_, "docs/empty").status, 201);
    ASSERT_EQ(patch(alice_, "top.txt", "{\"is_public\":true}").status, 200);
    ASSERT_EQ(share(alice_, "docs/a.txt", shareBody("shared_with", "bob")).status, 200);

    auto r = tree(alice_);
    ASSERT_EQ(r.status, 200) << r.body;
    auto root = r.object()->getArray("children");
    ASSERT_TRUE(root);
    EXPECT_EQ(root->size(), 2u) << r.body;
    auto docs = findBy(root, "name", "docs");
    ASSERT_TRUE(docs) << r.body;
    EXPECT_EQ(str(docs, "type"), "folder");
    auto kids = docs->getArray("children");
    ASSERT_TRUE(kids);
    EXPECT_EQ(kids->size(), 3u) << r.body;
    auto a = findBy(kids, "name", "a.txt");
    ASSERT_TRUE(a);
    EXPECT_EQ(str(a, "type"), "file");
    EXPECT_EQ(a->getValue<int64_t>("size"), 5);
    EXPECT_FALSE(a->getValue<bool>("is_public"));
    EXPECT_EQ(a->getValue<int>("share_count"), 1);
    auto empty = findBy(kids, "name", "empty");
    ASSERT_TRUE(empty);
    EXPECT_EQ(str(empty, "type"), "folder");
    EXPECT_EQ(empty->getArray("children")->size(), 0u);
    auto sub = findBy(kids, "name", "sub");
    ASSERT_TRUE(sub);
    auto b = findBy(sub->getArray("children"), "name", "b.txt");
    ASSERT_TRUE(b);
    EXPECT_EQ(b->getValue<int64_t>("size"), 2);
    EXPECT_EQ(b->getValue<int>("share_count"), 0);
    auto t = findBy(root, "name", "top.txt");
    ASSERT_TRUE(t);
    EXPECT_TRUE(t->getValue<bool>("is_public"));
    EXPECT_EQ(t->getValue<int>("share_count"), 0);
    EXPECT_EQ(str(t, "id"), str(top, "id"));
    // bob's tree is his own (empty).
    EXPECT_EQ(tree(bob).object()->getArray("children")->size(), 0u);
}

TEST_F(FilesTest, FolderCreateIs201ThenIs200AndIs409WhereAFileIs) {
    auto created = mkdir(alice_, "projects/2024");
    ASSERT_EQ(created.status, 201) << created.body;
    EXPECT_EQ(str(created.object(), "type"), "folder");
    EXPECT_EQ(str(created.object(), "name"), "projects/2024");
    auto again = mkdir(alice_, "projects/2024");
    EXPECT_EQ(again.status, 200) << again.body;
    EXPECT_EQ(str(again.object(), "id"), str(created.object(), "id"));
    EXPECT_EQ(rowsAt("projects"), 1);  // the parent was created too
    EXPECT_EQ(rows("kind = 'folder'"), 2);

    putOk(alice_, "projects/readme.txt", "hi");
    auto overFile = mkdir(alice_, "projects/readme.txt");
    EXPECT_EQ(overFile.status, 409) << overFile.body;
    auto underFile = mkdir(alice_, "projects/readme.txt/inner");
    EXPECT_EQ(underFile.status, 409) << underFile.body;
    // A file cannot be uploaded where a folder is.
    EXPECT_EQ(put(alice_, "projects/2024", "x").status, 409);
    EXPECT_EQ(upload(alice_, "projects", "x").status, 409);

    auto root = tree(alice_).object()->getArray("children");
    auto projects = findBy(root, "name", "projects");
    ASSERT_TRUE(projects);
    auto y2024 = findBy(projects->getArray("children"), "name", "2024");
    ASSERT_TRUE(y2024);
    EXPECT_EQ(str(y2024, "type"), "folder");
    EXPECT_EQ(arr(list(alice_))->size(), 1u);  // the list has files only
}

TEST_F(FilesTest, FolderMovesWithAllItsChildrenAndNothingElse) {
    auto a = putOk(alice_, "src/a.txt", "a");
    auto b = putOk(alice_, "src/lib/b.txt", "b");
    ASSERT_EQ(mkdir(alice_, "src/empty").status, 201);
    putOk(alice_, "src2/c.txt", "c");  // shares the prefix "src" but is another folder
    putOk(alice_, "srcx.txt", "x");

    auto r = patch(alice_, "src", "{\"new_path\":\"archive/src-old\"}");
    ASSERT_EQ(r.status, 200) << r.body;
    EXPECT_EQ(str(r.object(), "name"), "archive/src-old");
    EXPECT_EQ(str(r.object(), "type"), "folder");

    EXPECT_EQ(rowsAt("archive/src-old/a.txt"), 1);
    EXPECT_EQ(rowsAt("archive/src-old/lib"), 1);
    EXPECT_EQ(rowsAt("archive/src-old/lib/b.txt"), 1);
    EXPECT_EQ(rowsAt("archive/src-old/empty"), 1);
    EXPECT_EQ(rows("file_path = 'src' OR file_path LIKE 'src/%'"), 0);
    EXPECT_EQ(rowsAt("src2/c.txt"), 1);
    EXPECT_EQ(rowsAt("srcx.txt"), 1);
    EXPECT_EQ(str(getContent(alice_, "archive/src-old/lib/b.txt").object(), "content"), "b");
    EXPECT_EQ(getContent(alice_, "src/a.txt").status, 404);
    // Ids survive the move.
    auto moved = findBy(arr(list(alice_)), "name", "archive/src-old/a.txt");
    ASSERT_TRUE(moved);
    EXPECT_EQ(str(moved, "id"), str(a, "id"));
    EXPECT_EQ(server_.get(idUrl(str(b, "id"), "/raw"), alice_.auth()).body, "b");
}

TEST_F(FilesTest, FolderRenameAndMoveWithNonAsciiNamesCarryTheirChildren) {
    // Multi-byte names: the prefix arithmetic must count characters the way SQL substr does.
    const std::string ete = "\xC3\xA9t\xC3\xA9";  // été
    putOk(alice_, ete + "/plage \xE2\x9C\x93.txt", "sun");
    putOk(alice_, ete + "/photos/\xF0\x9F\x8C\x8A.jpg", "wave");  // 4-byte UTF-8
    putOk(alice_, ete + "2/other.txt", "other");

    auto renamed = patch(alice_, ete, "{\"new_name\":\"\xC3\xA9t\xC3\xA9-2024\"}");
    ASSERT_EQ(renamed.status, 200) << renamed.body;
    EXPECT_EQ(str(renamed.object(), "name"), ete + "-2024");
    EXPECT_EQ(rowsAt(ete + "-2024/plage \xE2\x9C\x93.txt"), 1);
    EXPECT_EQ(rowsAt(ete + "-2024/photos/\xF0\x9F\x8C\x8A.jpg"), 1);
    EXPECT_EQ(rowsAt(ete + "2/other.txt"), 1);

    auto moved = patch(alice_, ete + "-2024", "{\"new_path\":\"archives/\xC3\xA0 garder\"}");
    ASSERT_EQ(moved.status, 200) << moved.body;
    const std::string target = "archives/\xC3\xA0 garder";
    EXPECT_EQ(str(getContent(alice_, target + "/photos/\xF0\x9F\x8C\x8A.jpg").object(), "content"), "wave");
    EXPECT_EQ(str(getContent(alice_, target + "/plage \xE2\x9C\x93.txt").object(), "content"), "sun");
    EXPECT_EQ(rows("file_path LIKE '" + ete + "-2024%'"), 0);

    auto removed = del(alice_, "archives");
    ASSERT_EQ(removed.status, 200) << removed.body;
    EXPECT_EQ(removed.object()->getValue<int>("deleted"), 5);  // archives, à garder, plage, photos, 🌊
    EXPECT_EQ(names(arr(list(alice_))), (std::vector<std::string>{ete + "2/other.txt"}));
    EXPECT_EQ(chunkFiles(server_.dataDir()).size(), 1u);
}

TEST_F(FilesTest, FoldersHaveNoContentOrBytes) {
    ASSERT_EQ(mkdir(alice_, "box").status, 201);
    auto box = findBy(tree(alice_).object()->getArray("children"), "name", "box");
    ASSERT_TRUE(box);
    std::string id = str(box, "id");
    EXPECT_EQ(getContent(alice_, "box").status, 409);
    EXPECT_EQ(getRaw(alice_, "box").status, 409);
    EXPECT_EQ(server_.get(idUrl(id, "/raw"), alice_.auth()).status, 409);
    Headers h = alice_.auth();
    EXPECT_EQ(server_.request("PUT", idUrl(id), "bytes", h).status, 409);
    auto meta = server_.get(idUrl(id), alice_.auth());
    ASSERT_EQ(meta.status, 200);
    EXPECT_EQ(str(meta.object(), "type"), "folder");
    EXPECT_TRUE(meta.object()->isNull("etag"));
}

TEST_F(FilesTest, ConcurrentUploadsIntoANewFolderAllSucceed) {
    // Every upload creates the missing parent folder: racing inserts must not surface as 5xx.
    std::vector<std::thread> threads;
    std::vector<int> statuses(24, 0);
    for (int round = 0; round < 3; ++round) {
        threads.clear();
        for (int i = 0; i < 8; ++i) {
            int slot = round * 8 + i;
            threads.emplace_back([&, round, i, slot] {
                if (i % 2 == 0) {
                    statuses[static_cast<std::size_t>(slot)] =
                        put(alice_, "race" + std::to_string(round) + "/f" + std::to_string(i) + ".txt", "x").status;
                } else {
                    statuses[static_cast<std::size_t>(slot)] =
                        mkdir(alice_, "race" + std::to_string(round) + "/dir").status;
                }
            });
        }
        for (auto& t : threads) t.join();
    }
    for (std::size_t i = 0; i < statuses.size(); ++i) {
        EXPECT_TRUE(statuses[i] == 200 || statuses[i] == 201) << "request " << i << " got " << statuses[i];
    }
    for (int round = 0; round < 3; ++round) {
        std::string dir = "race" + std::to_string(round);
        EXPECT_EQ(rowsAt(dir), 1);
        EXPECT_EQ(rowsAt(dir + "/dir"), 1);
        EXPECT_EQ(rows("file_path LIKE '" + dir + "/f%'"), 4);
    }
    EXPECT_EQ(server_.stderrText().find("unhandled exception"), std::string::npos) << server_.stderrText();
}

TEST_F(FilesTest, ConcurrentUploadsToTheSameNewPathLeaveOneFile) {
    // Rounds of eight writers released together on one new path each (the race window is
    // small, so several rounds make a lost race all but certain to show).
    for (int round = 0; round < 8; ++round) {
        const std::string path = "same" + std::to_string(round) + ".txt";
        std::atomic<int> ready{0};
        std::vector<std::thread> threads;
        std::vector<int> statuses(8, 0);
        for (int i = 0; i < 8; ++i) {
            threads.emplace_back([&, i] {
                ++ready;
                while (ready.load() < 8) std::this_thread::yield();
                statuses[static_cast<std::size_t>(i)] = put(alice_, path, "writer " + std::to_string(i)).status;
            });
        }
        for (auto& t : threads) t.join();
        int created = 0;
        for (int s : statuses) {
            EXPECT_TRUE(s == 200 || s == 201) << path << ": " << s;
            created += s == 201 ? 1 : 0;
        }
        EXPECT_EQ(created, 1) << path;
        EXPECT_EQ(rowsAt(path), 1) << path;
        std::string content = str(getContent(alice_, path).object(), "content");
        EXPECT_EQ(content.rfind("writer ", 0), 0u) << content;
    }
}

TEST_F(FilesTest, ConcurrentReplacementsOfOneFileLeaveOnlyTheServedBlob) {
    putOk(alice_, "hot.txt", "original");
    std::string id = str(arr(list(alice_))->getObject(0), "id");
    std::vector<std::thread> threads;
    std::vector<int> statuses(8, 0);
    for (int i = 0; i < 8; ++i) {
        threads.emplace_back([&, i] {
            Headers h = alice_.auth();
            // Half by path, half by id.
            statuses[static_cast<std::size_t>(i)] =
                i % 2 == 0 ? put(alice_, "hot.txt", "replacement " + std::to_string(i)).status
                           : server_.request("PUT", idUrl(id), "replacement " + std::to_string(i), h).status;
        });
    }
    for (auto& t : threads) t.join();
    for (int s : statuses) EXPECT_EQ(s, 200);
    EXPECT_EQ(rowsAt("hot.txt"), 1);
    std::string served = getRaw(alice_, "hot.txt").body;
    EXPECT_EQ(served.rfind("replacement ", 0), 0u) << served;
    // Every replaced version is freed: only the chunk the row points at is left on disk.
    auto chunks = chunkFiles(server_.dataDir());
    EXPECT_EQ(chunks.size(), 1u) << "chunks of lost updates leaked";
    if (chunks.size() == 1) {
        EXPECT_EQ(chunkPlaintext(chunks.front()), served);
    }
}

TEST_F(FilesTest, DeletingAFolderRemovesEverythingUnderItWithTheirShares) {
    User bob = addUser("bob");
    putOk(alice_, "proj/a.txt", "a");
    putOk(alice_, "proj/deep/b.txt", "b");
    ASSERT_EQ(mkdir(alice_, "proj/deep/empty").status, 201);
    putOk(alice_, "proj2/keep.txt", "keep");  // same prefix, another folder
    ASSERT_EQ(share(alice_, "proj/deep/b.txt", shareBody("shared_with", "bob")).status, 200);
    ASSERT_EQ(share(alice_, "proj2/keep.txt", shareBody("shared_with", "bob")).status, 200);
    ASSERT_EQ(chunkFiles(server_.dataDir()).size(), 3u);

    auto r = del(alice_, "proj");
    ASSERT_EQ(r.status, 200) << r.body;
    EXPECT_EQ(r.object()->getValue<int>("deleted"), 5);  // proj, a.txt, deep, b.txt, empty
    EXPECT_EQ(rows("file_path = 'proj' OR file_path LIKE 'proj/%'"), 0);
    EXPECT_EQ(rowsAt("proj2/keep.txt"), 1);
    EXPECT_EQ(shareRows(), 1);  // only the share of proj2/keep.txt is left
    EXPECT_EQ(chunkFiles(server_.dataDir()).size(), 1u);
    EXPECT_EQ(getContent(alice_, "proj/a.txt").status, 404);
    EXPECT_EQ(arr(server_.get("/api/v1/files/shared-with-me", bob.auth()))->size(), 1u);
}

TEST_F(FilesTest, DeletingAFileRemovesItsRowBlobAndShares) {
    User bob = addUser("bob");
    User carol = addUser("carol");
    auto f = putOk(alice_, "share/me.txt", "shared");
    putOk(alice_, "share/other.txt", "other");
    ASSERT_EQ(share(alice_, "share/me.txt", shareBody("shared_with", "bob")).status, 200);
    ASSERT_EQ(share(alice_, "share/me.txt", shareBody("shared_with_id", carol.id)).status, 200);
    ASSERT_EQ(shareRows(), 2);

    auto r = del(alice_, "share/me.txt");
    ASSERT_EQ(r.status, 200) << r.body;
    EXPECT_EQ(str(r.object(), "status"), "success");
    EXPECT_EQ(r.object()->getValue<int>("deleted"), 1);
    EXPECT_EQ(rowsAt("share/me.txt"), 0);
    EXPECT_EQ(shareRows(), 0);
    EXPECT_EQ(chunkFiles(server_.dataDir()).size(), 1u);
    EXPECT_EQ(getRaw(alice_, "share/me.txt").status, 404);
    EXPECT_EQ(server_.get(idUrl(str(f, "id")), bob.auth()).status, 404);
    EXPECT_EQ(arr(server_.get("/api/v1/files/shared-with-me", bob.auth()))->size(), 0u);
    EXPECT_EQ(arr(server_.get("/api/v1/files/shares", alice_.auth()))->size(), 0u);
}

TEST_F(FilesTest, DeletingAMissingPathIs404FileNotFound) {
    auto r = del(alice_, "no/such/file.txt");
    EXPECT_EQ(r.status, 404) << r.body;
    EXPECT_EQ(r.detail(), "File not found");
    EXPECT_EQ(r.errorCode(), "file_not_found");
}

TEST_F(FilesTest, PatchNewNameRenamesWithinTheSameFolder) {
    auto f = putOk(alice_, "docs/old.txt", "content");
    putOk(alice_, "docs/taken.txt", "taken");
    auto r = patch(alice_, "docs/old.txt", "{\"new_name\":\"new.txt\"}");
    ASSERT_EQ(r.status, 200) << r.body;
    EXPECT_EQ(str(r.object(), "name"), "docs/new.txt");
    EXPECT_EQ(str(r.object(), "id"), str(f, "id"));
    EXPECT_EQ(str(getContent(alice_, "docs/new.txt").object(), "content"), "content");
    EXPECT_EQ(getContent(alice_, "docs/old.txt").status, 404);

    auto slash = patch(alice_, "docs/new.txt", "{\"new_name\":\"x/y.txt\"}");
    EXPECT_EQ(slash.status, 422) << slash.body;
    for (const std::string& bad : std::vector<std::string>{"..", ".", "", "a\\\\b"}) {
        auto rr = patch(alice_, "docs/new.txt", "{\"new_name\":\"" + bad + "\"}");
        EXPECT_EQ(rr.status, 422) << bad << " " << rr.body;
    }
    auto taken = patch(alice_, "docs/new.txt", "{\"new_name\":\"taken.txt\"}");
    EXPECT_EQ(taken.status, 409) << taken.body;
    EXPECT_EQ(str(getContent(alice_, "docs/taken.txt").object(), "content"), "taken");
    EXPECT_EQ(rowsAt("docs/new.txt"), 1);
    EXPECT_EQ(patch(alice_, "docs/missing.txt", "{\"new_name\":\"z.txt\"}").status, 404);
}

TEST_F(FilesTest, PatchNewPathMovesAndRefusesConflictsAndSelfNesting) {
    auto f = putOk(alice_, "a.txt", "A");
    putOk(alice_, "b.txt", "B");
    ASSERT_EQ(mkdir(alice_, "folder/child").status, 201);

    auto moved = patch(alice_, "a.txt", "{\"new_path\":\"deep/er/a2.txt\"}");
    ASSERT_EQ(moved.status, 200) << moved.body;
    EXPECT_EQ(str(moved.object(), "name"), "deep/er/a2.txt");
    EXPECT_EQ(str(moved.object(), "id"), str(f, "id"));
    EXPECT_EQ(rowsAt("deep/er"), 1);  // parents created
    EXPECT_EQ(str(getContent(alice_, "deep/er/a2.txt").object(), "content"), "A");

    auto exists = patch(alice_, "b.txt", "{\"new_path\":\"deep/er/a2.txt\"}");
    EXPECT_EQ(exists.status, 409) << exists.body;
    EXPECT_EQ(str(getContent(alice_, "deep/er/a2.txt").object(), "content"), "A");
    auto intoChild = patch(alice_, "folder", "{\"new_path\":\"folder/child/folder\"}");
    EXPECT_EQ(intoChild.status, 422) << intoChild.body;
    EXPECT_EQ(rowsAt("folder"), 1);
    auto underFile = patch(alice_, "b.txt", "{\"new_path\":\"deep/er/a2.txt/b.txt\"}");
    EXPECT_EQ(underFile.status, 409) << underFile.body;
    auto both = patch(alice_, "b.txt", "{\"new_path\":\"c.txt\",\"new_name\":\"d.txt\"}");
    EXPECT_EQ(both.status, 422) << both.body;
    for (const std::string& bad : std::vector<std::string>{"../b.txt", "/etc/b.txt", "x//b.txt", "id/b.txt", ""}) {
        auto r = patch(alice_, "b.txt", "{\"new_path\":\"" + bad + "\"}");
        EXPECT_EQ(r.status, 422) << bad << " " << r.body;
    }
    EXPECT_EQ(rowsAt("b.txt"), 1);
}

TEST_F(FilesTest, PatchIsPublicTogglesPublicUrlAndEmptyBodyIs422) {
    auto f = putOk(alice_, "pub/file.txt", "public");
    auto on = patch(alice_, "pub/file.txt", "{\"is_public\":true}");
    ASSERT_EQ(on.status, 200) << on.body;
    EXPECT_TRUE(on.object()->getValue<bool>("is_public"));
    EXPECT_EQ(str(on.object(), "public_url"), "/api/v1/files/id/" + str(f, "id") + "/raw");
    EXPECT_EQ(str(on.object(), "name"), "pub/file.txt");
    auto listed = findBy(arr(list(alice_)), "name", "pub/file.txt");
    ASSERT_TRUE(listed);
    EXPECT_TRUE(listed->getValue<bool>("is_public"));

    auto off = patch(alice_, "pub/file.txt", "{\"is_public\":false}");
    ASSERT_EQ(off.status, 200) << off.body;
    EXPECT_FALSE(off.object()->getValue<bool>("is_public"));
    EXPECT_FALSE(off.object()->has("public_url"));

    EXPECT_EQ(patch(alice_, "pub/file.txt", "{}").status, 422);
    EXPECT_EQ(patch(alice_, "pub/file.txt", "{\"is_public\":\"yes\"}").status, 422);
    EXPECT_EQ(patch(alice_, "pub/file.txt", "not json").status, 422);
    EXPECT_EQ(patch(alice_, "pub", "{\"is_public\":true}").status, 422);  // folders are never public
}

TEST_F(FilesTest, PatchThatIsRejectedChangesNothing) {
    ASSERT_EQ(mkdir(alice_, "album").status, 201);
    putOk(alice_, "album/pic.txt", "pic");
    // Folders cannot be made public: the whole request is refused, including the rename.
    auto r = patch(alice_, "album", "{\"new_name\":\"renamed\",\"is_public\":true}");
    EXPECT_EQ(r.status, 422) << r.body;
    EXPECT_EQ(rowsAt("album"), 1) << "a 422 PATCH renamed the folder anyway";
    EXPECT_EQ(rowsAt("album/pic.txt"), 1);
    EXPECT_EQ(rowsAt("renamed"), 0);
    // A file: a refused move leaves the public flag alone too.
    putOk(alice_, "taken.txt", "t");
    auto moved = patch(alice_, "album/pic.txt", "{\"new_path\":\"taken.txt\",\"is_public\":true}");
    EXPECT_EQ(moved.status, 409) << moved.body;
    auto pic = findBy(arr(list(alice_)), "name", "album/pic.txt");
    ASSERT_TRUE(pic);
    EXPECT_FALSE(pic->getValue<bool>("is_public"));
}

TEST_F(FilesTest, NonAsciiNamesRoundTripWithFilenameStar) {
    const std::string path = "donn\xC3\xA9" "es/r\xC3\xA9sum\xC3\xA9 \xE2\x9C\x93.txt";  // données/résumé ✓.txt
    auto created = put(alice_, path, "cv");
    ASSERT_EQ(created.status, 201) << created.body;
    EXPECT_EQ(str(created.object(), "name"), path);
    EXPECT_EQ(names(arr(list(alice_))), (std::vector<std::string>{path}));
    EXPECT_EQ(str(getContent(alice_, path).object(), "filename"), path);
    auto r = getRaw(alice_, path);
    ASSERT_EQ(r.status, 200);
    EXPECT_EQ(r.body, "cv");
    std::string cd = r.header("Content-Disposition");
    EXPECT_NE(cd.find("filename*=UTF-8''r%C3%A9sum%C3%A9%20%E2%9C%93.txt"), std::string::npos) << cd;
    for (unsigned char c : cd) EXPECT_LT(c, 0x80) << "raw non-ASCII byte in Content-Disposition: " << cd;
    auto folder = findBy(tree(alice_).object()->getArray("children"), "name", "donn\xC3\xA9" "es");
    ASSERT_TRUE(folder);
    EXPECT_TRUE(findBy(folder->getArray("children"), "name", "r\xC3\xA9sum\xC3\xA9 \xE2\x9C\x93.txt"));
    // Multipart to the same name replaces it.
    auto up = upload(alice_, path, "cv2");
    EXPECT_EQ(up.status, 200) << up.body;
    EXPECT_EQ(str(up.object(), "filename"), path);
    EXPECT_EQ(rowsAt(path), 1);

    // Quotes and semicolons cannot break out of the header's parameters.
    putOk(alice_, "quo\"te;x.txt", "q");
    std::string qcd = getRaw(alice_, "quo\"te;x.txt").header("Content-Disposition");
    EXPECT_NE(qcd.find("filename*=UTF-8''quo%22te%3Bx.txt"), std::string::npos) << qcd;
    auto open = qcd.find("filename=\"");
    ASSERT_NE(open, std::string::npos) << qcd;
    auto close = qcd.find('"', open + 10);
    ASSERT_NE(close, std::string::npos) << qcd;
    EXPECT_EQ(qcd.substr(close, 3), "\"; ") << "an unescaped quote ends filename early: " << qcd;
}

TEST_F(FilesTest, InvalidPathsAreRejectedOnEveryWriteRouteAndNothingIsStored) {
    struct Case {
        std::string encoded;  // as sent after /api/v1/files/
        int status;           // 0: any 4xx
        std::string code;     // "" = not checked
    };
    const std::string longSeg(256, 'n');
    std::string longPath;
    while (longPath.size() <= 4096) longPath += std::string(200, 'p') + "/";
    longPath += "f.txt";
    const std::vector<Case> cases{
        {"..", 422, "invalid_path"},
        {"a/../b.txt", 422, "invalid_path"},
        {"./a.txt", 422, "invalid_path"},
        {"a/./b.txt", 422, "invalid_path"},
        {"%2e%2e", 422, "invalid_path"},
        {"a/%2E%2E/b.txt", 422, "invalid_path"},
        {"a//b.txt", 0, ""},
        {"a%00b.txt", 400, "bad_path"},
        {"a%01b.txt", 400, "bad_path"},
        {"a%0Ab.txt", 400, "bad_path"},
        {"a%7Fb.txt", 400, "bad_path"},
        {"a%5Cb.txt", 422, "invalid_path"},
        {"dir%5C..%5Cb.txt", 422, "invalid_path"},
        {"%FF.txt", 422, "invalid_path"},
        {"%C3%28.txt", 422, "invalid_path"},
        {"%ED%A0%80.txt", 422, "invalid_path"},  // a UTF-16 surrogate
        {"%C0%AF.txt", 422, "invalid_path"},     // overlong '/'
        {"%2Fetc%2Fpasswd", 422, "invalid_path"},
        {"%20", 422, "invalid_path"},
        {longSeg, 422, "invalid_path"},
        {enc(longPath), 422, "invalid_path"},
        {"id", 422, "invalid_path"},
        {"tree", 422, "invalid_path"},
        {"shares", 422, "invalid_path"},
        {"shared-with-me", 422, "invalid_path"},
        {"shares/x.txt", 422, "invalid_path"},
        {"tree/x.txt", 422, "invalid_path"},
    };
    auto check = [&](const Response& r, const Case& c, const std::string& route) {
        if (c.status == 0) {
            EXPECT_TRUE(r.status >= 400 && r.status < 500) << route << " " << c.encoded.substr(0, 60) << ": " << r.status;
        } else {
            EXPECT_EQ(r.status, c.status) << route << " " << c.encoded.substr(0, 60) << ": " << r.body;
        }
        if (!c.code.empty()) {
            EXPECT_EQ(r.errorCode(), c.code) << route << " " << c.encoded.substr(0, 60);
        }
    };
    Headers octet = alice_.auth();
    octet["Content-Type"] = "application/octet-stream";
    for (const auto& c : cases) {
        check(server_.request("PUT", "/api/v1/files/" + c.encoded, "data", octet), c, "PUT");
        check(server_.request("POST", "/api/v1/files/" + c.encoded, multipartBody({{"file", std::string("f"), "data"}}),
                              multipartHeaders(alice_.auth())),
              c, "POST");
        if (c.encoded != "shares" && c.encoded != "tree" && c.encoded != "shared-with-me" && c.encoded != "id") {
            check(server_.request("POST", "/api/v1/folders/" + c.encoded, "", alice_.auth()), c, "POST folder");
        }
        // Reads of such paths are client errors too, never 5xx.
        auto read = server_.get("/api/v1/files/" + c.encoded + "/content", alice_.auth());
        EXPECT_TRUE(read.status >= 400 && read.status < 500) << c.encoded.substr(0, 60) << ": " << read.status;
    }
    EXPECT_EQ(rows(), 0);
    EXPECT_EQ(chunkFiles(server_.dataDir()).size(), 0u);
    EXPECT_EQ(tmpEntries(server_.dataDir()).size(), 0u);
    // The same names below the top level are ordinary names.
    for (const std::string& ok : std::vector<std::string>{"docs/id", "docs/tree", "docs/shares", "docs/shared-with-me"}) {
        EXPECT_EQ(put(alice_, ok, "x").status, 201) << ok;
    }
}

TEST_F(FilesTest, PercentDecodingHappensExactlyOnce) {
    auto literal = server_.request("PUT", "/api/v1/files/%252e%252e", "literal", {{"Authorization", "Bearer " + alice_.token}});
    ASSERT_EQ(literal.status, 201) << literal.body;
    EXPECT_EQ(str(literal.object(), "name"), "%2e%2e");
    auto back = server_.get("/api/v1/files/%252e%252e/content", alice_.auth());
    ASSERT_EQ(back.status, 200) << back.body;
    EXPECT_EQ(str(back.object(), "content"), "literal");
    auto dots = server_.request("PUT", "/api/v1/files/%2e%2e", "dots", {{"Authorization", "Bearer " + alice_.token}});
    EXPECT_EQ(dots.status, 422) << dots.body;
    auto nested = server_.request("PUT", "/api/v1/files/a/%252e%252e/b.txt", "n", {{"Authorization", "Bearer " + alice_.token}});
    EXPECT_EQ(nested.status, 201) << nested.body;
    EXPECT_EQ(rowsAt("a/%2e%2e/b.txt"), 1);
    EXPECT_EQ(rows("file_path = '..'"), 0);
}

TEST_F(FilesTest, SegmentAndPathLengthLimitsAreExact) {
    std::string seg255(255, 's');
    EXPECT_EQ(put(alice_, seg255, "x").status, 201);
    EXPECT_EQ(put(alice_, std::string(256, 's'), "x").status, 422);
    // 17 segments of 240 bytes and 16 slashes: exactly 4096 bytes.
    std::string path4096;
    for (int i = 0; i < 17; ++i) path4096 += (i ? "/" : "") + std::string(240, static_cast<char>('a' + i));
    ASSERT_EQ(path4096.size(), 4096u);
    auto ok = put(alice_, path4096, "deep");
    EXPECT_EQ(ok.status, 201) << ok.body.substr(0, 200);
    std::string path4097 = path4096 + "z";
    EXPECT_EQ(put(alice_, path4097, "deep").status, 422);
    EXPECT_EQ(rows("kind = 'file'"), 2);
}

TEST_F(FilesTest, FilesRoutesRequireAuthentication) {
    putOk(alice_, "mine.txt", "mine");
    const std::vector<std::pair<std::string, std::string>> routes{
        {"GET", "/api/v1/files/"},
        {"GET", "/api/v1/files/tree"},
        {"GET", "/api/v1/files/shares"},
        {"GET", "/api/v1/files/shared-with-me"},
        {"GET", "/api/v1/files/mine.txt/content"},
        {"GET", "/api/v1/files/mine.txt/raw"},
        {"PUT", "/api/v1/files/new.txt"},
        {"POST", "/api/v1/files/new.txt"},
        {"POST", "/api/v1/folders/newdir"},
        {"PATCH", "/api/v1/files/mine.txt"},
        {"DELETE", "/api/v1/files/mine.txt"},
        {"POST", "/api/v1/files/mine.txt/share"},
        {"DELETE", "/api/v1/files/mine.txt/share/" + alice_.id},
    };
    std::size_t n = 0;
    for (const auto& [method, url] : routes) {
        EXPECT_EQ(server_.request(method, url).status, 401) << method << " " << url;
        EXPECT_EQ(server_.request(method, url, "", ServerProcess::bearer("not-a-token")).status, 401)
            << method << " " << url;
        // A wrong Basic password counts towards the login throttle (10 per account): a few routes only.
        if (n++ % 4 == 0) {
            EXPECT_EQ(server_.request(method, url, "", ServerProcess::basic("alice", "wrong password")).status, 401)
                << method << " " << url;
        }
    }
    EXPECT_EQ(rows("kind = 'file'"), 1);
    EXPECT_EQ(str(getContent(alice_, "mine.txt").object(), "content"), "mine");
}

}  // namespace
}  // namespace hub::tests::files
