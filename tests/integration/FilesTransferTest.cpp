// Bytes in and out of the files plugin under stress: upload limits (Content-Length, chunked,
// multipart), uploads cut short by the client or by a SIGKILL of the server, replacement
// while a download is in flight, and what is left in the chunk store afterwards.
#include <csignal>

#include "FilesTestSupport.h"

namespace hub::tests::files {
namespace {

constexpr std::size_t kMiB = 1024 * 1024;

class FilesTransferTest : public FilesFixture {
protected:
    /// Nothing of a refused upload may remain: no row, no chunk, no temp file.
    void expectNothingStored(const std::string& path) const {
        EXPECT_EQ(rowsAt(path), 0) << path;
        EXPECT_EQ(chunkFiles(server_.dataDir()).size(), expectedChunks_) << path;
        EXPECT_EQ(tmpEntries(server_.dataDir()).size(), 0u) << path;
    }
    std::size_t expectedChunks_ = 0;
};

TEST_F(FilesTransferTest, UploadOverTheLimitWithContentLengthIs413AndStoresNothing) {
    startServer({"--set", "plugins.files.config.max_upload_mb=1"});
    User alice = addUser("alice");
    const std::string body = pattern(2 * kMiB, 7);
    RawConn c(server_.port());
    ASSERT_TRUE(c.ok());
    c.send(requestHead("PUT", filesUrl("big/too-big.bin"),
                       {{"Authorization", "Bearer " + alice.token}, {"Content-Length", std::to_string(body.size())}}));
    c.send(body.substr(0, 64 * 1024));  // the rest never needs to be sent
    auto r = c.readResponse();
    ASSERT_TRUE(r.complete);
    EXPECT_EQ(r.status, 413) << r.body;
    EXPECT_NE(r.body.find("payload_too_large"), std::string::npos) << r.body;
    c.close();
    expectNothingStored("big/too-big.bin");
    EXPECT_EQ(rows(), 0);  // not even the parent folder
    EXPECT_EQ(server_.get("/health").status, 200);

    // Exactly the limit is fine.
    auto exact = put(alice, "big/exact.bin", std::string(kMiB, 'e'));
    EXPECT_EQ(exact.status, 201) << exact.body;
    EXPECT_EQ(exact.object()->getValue<int64_t>("size"), static_cast<int64_t>(kMiB));
    // ...and one byte more is not, on the by-id route as well.
    RawConn byId(server_.port());
    byId.send(requestHead("PUT", idUrl(str(exact.object(), "id")),
                          {{"Authorization", "Bearer " + alice.token}, {"Content-Length", std::to_string(kMiB + 1)}}));
    byId.send(std::string(64 * 1024, 'f'));
    auto overById = byId.readResponse();
    EXPECT_EQ(overById.status, 413) << overById.body;
    EXPECT_EQ(getRaw(alice, "big/exact.bin").body, std::string(kMiB, 'e'));
}

TEST_F(FilesTransferTest, ChunkedUploadOverTheLimitIs413AndStoresNothing) {
    startServer({"--set", "plugins.files.config.max_upload_mb=1"});
    User alice = addUser("alice");
    RawConn c(server_.port());
    ASSERT_TRUE(c.ok());
    c.send(requestHead("PUT", filesUrl("chunked/too-big.bin"),
                       {{"Authorization", "Bearer " + alice.token}, {"Transfer-Encoding", "chunked"}}));
    const std::string piece = pattern(64 * 1024, 3);
    for (int i = 0; i < 32; ++i) {  // 2 MiB in 64 KiB chunks
        if (!c.send(chunk(piece))) break;
    }
    c.send("0\r\n\r\n");
    auto r = c.readResponse();
    ASSERT_TRUE(r.complete) << "no response to an oversize chunked upload";
    EXPECT_EQ(r.status, 413) << r.body;
    c.close();
    expectNothingStored("chunked/too-big.bin");
    EXPECT_EQ(server_.get("/health").status, 200);
    // The server keeps serving uploads.
    EXPECT_EQ(put(alice, "chunked/small.bin", "small").status, 201);
}

TEST_F(FilesTransferTest, MultipartFileOverTheLimitIs413AndStoresNothing) {
    startServer({"--set", "plugins.files.config.max_upload_mb=1"});
    User alice = addUser("alice");
    // 1.5 MiB: inside the route's body limit (file + multipart framing), over the file limit.
    const std::string body = multipartBody({{"file", std::string("big.bin"), pattern(3 * kMiB / 2, 5)}});
    RawConn c(server_.port());
    ASSERT_TRUE(c.ok());
    Headers h = multipartHeaders(alice.auth());
    h["Content-Length"] = std::to_string(body.size());
    c.send(requestHead("POST", filesUrl("mp/too-big.bin"), h));
    c.send(body);
    auto r = c.readResponse();
    ASSERT_TRUE(r.complete);
    EXPECT_EQ(r.status, 413) << r.body;
    c.close();
    expectNothingStored("mp/too-big.bin");
    EXPECT_EQ(rows(), 0);
    EXPECT_EQ(server_.get("/health").status, 200);
}

TEST_F(FilesTransferTest, ContentOverItsLimitIs413PointingToRawWhichServesIt) {
    startServer({"--set", "plugins.files.config.max_content_mb=1"});
    User alice = addUser("alice");
    const std::string text(kMiB + 10, 't');
    putOk(alice, "big.txt", text);
    auto r = getContent(alice, "big.txt");
    EXPECT_EQ(r.status, 413) << r.body.substr(0, 200);
    EXPECT_EQ(r.errorCode(), "content_too_large");
    EXPECT_NE(errorMessage(r).find("/raw"), std::string::npos) << r.body;
    EXPECT_TRUE(getRaw(alice, "big.txt").body == text);
    putOk(alice, "ok.txt", std::string(kMiB, 'o'));
    EXPECT_EQ(getContent(alice, "ok.txt").status, 200);
}

TEST_F(FilesTransferTest, EmptyFileUploadsAndDownloads) {
    startServer();
    User alice = addUser("alice");
    auto r = put(alice, "empty.txt", "");
    ASSERT_EQ(r.status, 201) << r.body;
    EXPECT_EQ(r.object()->getValue<int64_t>("size"), 0);
    auto raw = getRaw(alice, "empty.txt");
    EXPECT_EQ(raw.status, 200);
    EXPECT_EQ(raw.body, "");
    EXPECT_EQ(raw.header("Content-Length"), "0");
    EXPECT_EQ(getRaw(alice, "empty.txt", {{"Range", "bytes=0-"}}).status, 416);
    auto content = getContent(alice, "empty.txt");
    ASSERT_EQ(content.status, 200) << content.body;
    EXPECT_EQ(str(content.object(), "content"), "");
}

TEST_F(FilesTransferTest, UploadKilledHalfwayLeavesNoRowAndGcFreesItsChunks) {
    startServer();
    User alice = addUser("alice");
    putOk(alice, "keep.txt", "version 1");
    expectedChunks_ = 1;
    ASSERT_EQ(chunkFiles(server_.dataDir()).size(), 1u);
    // Random data (incompressible, no dedup) larger than the biggest chunk, so both uploads
    // have written chunks when hubd dies.
    const std::string part = pattern(6 * kMiB, 11);
    const std::string declared = std::to_string(10 * kMiB);

    // Two uploads in flight: a new file, and a replacement of keep.txt.
    RawConn fresh(server_.port());
    RawConn replacing(server_.port());
    ASSERT_TRUE(fresh.ok() && replacing.ok());
    ASSERT_TRUE(fresh.send(requestHead("PUT", filesUrl("uploads/big.bin"),
                                       {{"Authorization", "Bearer " + alice.token}, {"Content-Length", declared}}) +
                           part));
    ASSERT_TRUE(replacing.send(requestHead("PUT", filesUrl("keep.txt"),
                                           {{"Authorization", "Bearer " + alice.token}, {"Content-Length", declared}}) +
                               pattern(6 * kMiB, 12)));
    // A blob's chunk files wait in tmp/ until all of its bytes are in.
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(15);
    while (std::chrono::steady_clock::now() < deadline && tmpEntries(server_.dataDir()).size() < 2) {
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    ASSERT_GE(tmpEntries(server_.dataDir()).size(), 2u) << "the uploads never reached the chunk store";

    EXPECT_EQ(sigkill(server_), 128 + SIGKILL);
    fresh.close();
    replacing.close();

    ASSERT_TRUE(restart(server_, args_)) << server_.stderrText();
    EXPECT_EQ(getRaw(alice, "uploads/big.bin").status, 404);
    EXPECT_EQ(rows("file_path LIKE 'uploads/big%'"), 0);
    EXPECT_EQ(str(getContent(alice, "keep.txt").object(), "content"), "version 1");
    EXPECT_EQ(arr(list(alice))->size(), 1u);
    ASSERT_EQ(server_.stop(), 0);

    // The half-written uploads are staged blobs nobody references: gc frees them.
    std::vector<std::string> gcArgs = args_;
    gcArgs.insert(gcArgs.begin(), "gc");
    gcArgs.insert(gcArgs.end(), {"--set", "storage.gc_grace_seconds=0"});
    ASSERT_EQ(server_.runToExit(gcArgs), 0) << server_.stderrText();
    EXPECT_NE(server_.stdoutText().find("removed 2 abandoned upload(s)"), std::string::npos) << server_.stdoutText();
    EXPECT_EQ(chunkFiles(server_.dataDir()).size(), 1u);
    EXPECT_EQ(tmpEntries(server_.dataDir()).size(), 0u);
    std::vector<std::string> fsckArgs = args_;
    fsckArgs.insert(fsckArgs.begin(), "fsck");
    EXPECT_EQ(server_.runToExit(fsckArgs), 0) << server_.stdoutText();
    EXPECT_NE(server_.stdoutText().find("no damage"), std::string::npos) << server_.stdoutText();
    ASSERT_TRUE(restart(server_, args_)) << server_.stderrText();
}

TEST_F(FilesTransferTest, ReplacementServesExactlyTheNewBytesAndFreesTheOldChunks) {
    startServer();
    User alice = addUser("alice");
    const std::string a = pattern(4 * kMiB, 21);
    const std::string b = pattern(4 * kMiB, 22);
    auto first = putOk(alice, "media/file.bin", a);
    const auto oldChunks = chunkFiles(server_.dataDir());
    ASSERT_FALSE(oldChunks.empty());
    ASSERT_EQ(storedPlainBytes(server_.dataDir()), a.size());

    auto second = put(alice, "media/file.bin", b);
    ASSERT_EQ(second.status, 200) << second.body;
    EXPECT_EQ(str(second.object(), "id"), str(first, "id"));
    auto got = getRaw(alice, "media/file.bin");
    ASSERT_EQ(got.status, 200);
    EXPECT_EQ(got.body.size(), b.size());
    EXPECT_TRUE(got.body == b) << "the download is not exactly the new bytes";
    EXPECT_EQ(got.header("ETag"), str(second.object(), "etag"));
    for (const auto& old : oldChunks) EXPECT_FALSE(fs::exists(old)) << old;
    EXPECT_EQ(storedPlainBytes(server_.dataDir()), b.size()) << "the replaced version's space was not freed";
    EXPECT_EQ(tmpEntries(server_.dataDir()).size(), 0u);
}

TEST_F(FilesTransferTest, DownloadInFlightKeepsTheOldBytesWhileTheFileIsReplaced) {
    startServer();
    User alice = addUser("alice");
    const std::string a = pattern(8 * kMiB, 31);
    const std::string b = pattern(8 * kMiB, 32);
    putOk(alice, "media/stream.bin", a);

    // A reader with a tiny receive window, so the server is still reading the old chunks.
    RawConn dl(server_.port(), 16 * 1024);
    ASSERT_TRUE(dl.ok());
    ASSERT_TRUE(dl.send(requestHead("GET", filesUrl("media/stream.bin") + "/raw", {{"Authorization", "Bearer " + alice.token}})));
    auto head = dl.readHead();
    ASSERT_EQ(head.status, 200);
    ASSERT_EQ(head.header("Content-Length"), std::to_string(a.size()));
    std::string got = dl.readBody(64 * 1024);
    ASSERT_EQ(got.size(), 64u * 1024);

    auto replaced = put(alice, "media/stream.bin", b);
    ASSERT_EQ(replaced.status, 200) << replaced.body;
    // The old chunks are still on disk: the running download pins them.
    EXPECT_EQ(storedPlainBytes(server_.dataDir()), a.size() + b.size());

    got += dl.readBody(a.size() - got.size());
    EXPECT_EQ(got.size(), a.size());
    EXPECT_TRUE(got == a) << "the in-flight download mixed old and new bytes";
    dl.close();

    auto fresh = getRaw(alice, "media/stream.bin");
    EXPECT_TRUE(fresh.body == b) << "a new download must see the new bytes";
    // Once the download has ended, the old version's chunks go.
    auto until = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (std::chrono::steady_clock::now() < until && storedPlainBytes(server_.dataDir()) != b.size()) {
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    EXPECT_EQ(storedPlainBytes(server_.dataDir()), b.size());
}

TEST_F(FilesTransferTest, RawUploadCutShortByTheClientIsNotStored) {
    startServer();
    User alice = addUser("alice");
    putOk(alice, "keep.txt", "intact");
    expectedChunks_ = 1;
    for (const std::string& path : std::vector<std::string>{"cut/new.bin", "keep.txt"}) {
        SCOPED_TRACE(path);
        RawConn c(server_.port());
        ASSERT_TRUE(c.ok());
        c.send(requestHead("PUT", filesUrl(path), {{"Authorization", "Bearer " + alice.token}, {"Content-Length", "1000"}}));
        c.send(std::string(500, 'a'));
        c.shutdownWrite();  // the client gives up after half of the declared body
        auto r = c.readResponse();
        EXPECT_TRUE(r.status < 200 || r.status >= 300) << "a body shorter than its Content-Length was accepted: "
                                                        << r.status << " " << r.body;
    }
    EXPECT_EQ(rowsAt("cut/new.bin"), 0);
    EXPECT_EQ(getRaw(alice, "cut/new.bin").status, 404);
    EXPECT_EQ(getRaw(alice, "keep.txt").body, "intact");
    EXPECT_EQ(chunkFiles(server_.dataDir()).size(), 1u);
    EXPECT_EQ(tmpEntries(server_.dataDir()).size(), 0u);
}

TEST_F(FilesTransferTest, MultipartBodyWithoutClosingBoundaryIsRejectedAndNotStored) {
    startServer();
    User alice = addUser("alice");
    // Complete per Content-Length, but the part never ends with its boundary.
    std::string body = multipartBody({{"file", std::string("x.txt"), "hello multipart"}}, kBoundary, false);
    body.erase(body.size() - 2);  // no CRLF after the data either
    auto r = server_.request("POST", filesUrl("mp/unterminated.txt"), body, multipartHeaders(alice.auth()));
    EXPECT_EQ(r.status, 422) << r.body;
    EXPECT_EQ(r.errorCode(), "bad_multipart") << r.body;
    expectNothingStored("mp/unterminated.txt");
    EXPECT_EQ(server_.get("/health").status, 200);
}

TEST_F(FilesTransferTest, MultipartUploadCutShortByTheClientIsRejectedAndNotStored) {
    startServer();
    User alice = addUser("alice");
    const std::string full = multipartBody({{"file", std::string("y.txt"), std::string(4000, 'y')}});
    RawConn c(server_.port());
    ASSERT_TRUE(c.ok());
    Headers h = multipartHeaders(alice.auth());
    h["Content-Length"] = std::to_string(full.size());
    c.send(requestHead("POST", filesUrl("mp/cut.txt"), h) + full.substr(0, 1000));
    c.shutdownWrite();
    auto cut = c.readResponse();
    EXPECT_TRUE(cut.status >= 400 && cut.status < 500) << cut.status << " " << cut.body;
    expectNothingStored("mp/cut.txt");
    EXPECT_EQ(server_.get("/health").status, 200);
}

}  // namespace
}  // namespace hub::tests::files
