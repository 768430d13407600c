#include "storage/KeyRing.h"

#include <cctype>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <Poco/Base64Encoder.h>
#include <Poco/Data/Session.h>
#include <sodium.h>

#include "core/storage/StorageTestSupport.h"
#include "util/Crypto.h"

using namespace Poco::Data::Keywords;

namespace hub::core::storage {
namespace {

using ::testing::HasSubstr;

std::string base64(const std::string& raw) {
    std::ostringstream out;
    Poco::Base64Encoder enc(out);
    enc.rdbuf()->setLineLength(0);
    enc << raw;
    enc.close();
    return out.str();
}

std::string parseError(const std::string& text) {
    try {
        KeyRing::parseMasterKey(text);
    } catch (const std::invalid_argument& e) {
        return e.what();
    }
    return "(accepted)";
}

struct KeyRow {
    std::string owner;
    std::string wrapped;
    std::string masterKeyId;
};

class KeyRingTest : public ::testing::Test {
protected:
    std::vector<KeyRow> rows() {
        std::vector<std::string> owners, wrapped, ids;
        db_.db().withSession([&](Poco::Data::Session& s) {
            owners.clear();
            wrapped.clear();
            ids.clear();
            s << "SELECT owner_id, wrapped_key, master_key_id FROM storage_data_keys ORDER BY owner_id", into(owners),
                into(wrapped), into(ids), now;
        });
        std::vector<KeyRow> out;
        for (std::size_t i = 0; i < owners.size(); ++i) out.push_back({owners[i], wrapped[i], ids[i]});
        return out;
    }

    /// Opens a stored wrapped key by hand (the documented format: hex of nonce | ciphertext |
    /// tag, XChaCha20-Poly1305 under the master key, AAD "hub-data-key:<owner>").
    static std::string unwrapByHand(const KeyRow& row, const std::string& master) {
        std::string wrapped;
        wrapped.resize(row.wrapped.size() / 2);
        std::size_t len = 0;
        if (sodium_hex2bin(reinterpret_cast<unsigned char*>(wrapped.data()), wrapped.size(), row.wrapped.data(),
                           row.wrapped.size(), nullptr, &len, nullptr) != 0) {
            throw std::runtime_error("not hex");
        }
        std::string key(32, '\0');
        std::string aad = "hub-data-key:" + row.owner;
        unsigned long long mlen = 0;
        const auto* nonce = reinterpret_cast<const unsigned char*>(wrapped.data());
        if (crypto_aead_xchacha20poly1305_ietf_decrypt(
                reinterpret_cast<unsigned char*>(key.data()), &mlen, nullptr,
                nonce + crypto_aead_xchacha20poly1305_ietf_NPUBBYTES,
                wrapped.size() - crypto_aead_xchacha20poly1305_ietf_NPUBBYTES,
                reinterpret_cast<const unsigned char*>(aad.data()), aad.size(), nonce,
                reinterpret_cast<const unsigned char*>(master.data())) != 0) {
            throw std::runtime_error("does not unwrap");
        }
        return key;
    }

    test::MigratedDb db_{"hub-unit-keyring"};
    const std::string master_ = crypto::randomBytes(32);
    const std::string otherMaster_ = crypto::randomBytes(32);
};

TEST(KeyRingParseTest, AcceptsHexAndBase64Of32Bytes) {
    const std::string raw = crypto::randomBytes(32);
    const std::string hex = crypto::toHex(raw);
    EXPECT_EQ(KeyRing::parseMasterKey(hex), raw);
    EXPECT_EQ(KeyRing::parseMasterKey(hex + "\n"), raw);  // a key file ends with a newline
    EXPECT_EQ(KeyRing::parseMasterKey("  " + hex + " \r\n"), raw);
    std::string upper = hex;
    for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    EXPECT_EQ(KeyRing::parseMasterKey(upper), raw);
    const std::string b64 = base64(raw);
    ASSERT_EQ(b64.size(), 44u);
    EXPECT_EQ(KeyRing::parseMasterKey(b64), raw);
    EXPECT_EQ(KeyRing::parseMasterKey(b64 + "\n"), raw);
}

TEST(KeyRingParseTest, RejectsOtherFormsWithAMessage) {
    const std::string raw = crypto::randomBytes(32);
    for (const std::string& bad : {std::string(), std::string("   \n"), crypto::toHex(raw).substr(0, 62),
                                   crypto::toHex(raw) + "ab", std::string(64, 'g'), base64(crypto::randomBytes(31)),
                                   base64(crypto::randomBytes(33)), base64(raw).substr(0, 40), raw,
                                   std::string("correct horse battery staple")}) {
        EXPECT_THAT(parseError(bad), HasSubstr("32 bytes")) << "'" << bad << "'";
    }
    EXPECT_THAT(parseError("nope"), HasSubstr("openssl rand -hex 32"));
}

TEST_F(KeyRingTest, ConstructorRejectsAMasterKeyOfTheWrongSize) {
    EXPECT_THROW(KeyRing(db_.db(), std::string(31, 'k')), std::invalid_argument);
    EXPECT_THROW(KeyRing(db_.db(), std::string(64, 'k')), std::invalid_argument);
    KeyRing none(db_.db(), "");
    EXPECT_FALSE(none.hasMasterKey());
    EXPECT_EQ(none.masterKeyId(), "");
    EXPECT_THROW(none.keysFor("u1", true), std::runtime_error);
    EXPECT_THROW(none.rotate(master_), std::runtime_error);
    EXPECT_TRUE(rows().empty());
}

TEST_F(KeyRingTest, MasterKeyIdIsAStableFingerprint) {
    KeyRing a(db_.db(), master_);
    KeyRing b(db_.db(), master_);
    EXPECT_TRUE(a.hasMasterKey());
    EXPECT_EQ(a.masterKeyId(), b.masterKeyId());
    EXPECT_EQ(a.masterKeyId(), KeyRing::idOf(master_));
    EXPECT_EQ(a.masterKeyId().size(), 16u);
    EXPECT_NE(a.masterKeyId(), KeyRing::idOf(otherMaster_));
    EXPECT_EQ(a.masterKeyId().find(crypto::toHex(master_).substr(0, 16)), std::string::npos);
}

TEST_F(KeyRingTest, CreatesAWrappedKeyAndReturnsTheSameKeysLater) {
    OwnerKeys created;
    {
        KeyRing ring(db_.db(), master_);
        created = ring.keysFor("u1", true);
        EXPECT_EQ(created.cipherKey.size(), 32u);
        EXPECT_EQ(created.idKey.size(), 32u);
        EXPECT_NE(created.cipherKey, created.idKey);
        OwnerKeys again = ring.keysFor("u1", false);
        EXPECT_EQ(again.cipherKey, created.cipherKey);
        EXPECT_EQ(again.idKey, created.idKey);
    }
    auto stored = rows();
    ASSERT_EQ(stored.size(), 1u);
    EXPECT_EQ(stored[0].owner, "u1");
    EXPECT_EQ(stored[0].masterKeyId, KeyRing::idOf(master_));
    EXPECT_EQ(stored[0].wrapped.size(), 2u * (24 + 32 + 16));  // hex of nonce | key | tag

    // The row holds the data key only wrapped: neither it nor what is derived from it nor
    // the master key appear in it.
    const std::string dataKey = unwrapByHand(stored[0], master_);
    for (const std::string& secret : {dataKey, created.cipherKey, created.idKey, master_}) {
        EXPECT_EQ(stored[0].wrapped.find(crypto::toHex(secret)), std::string::npos);
        EXPECT_EQ(stored[0].wrapped.find(crypto::toHex(secret).substr(0, 16)), std::string::npos);
        EXPECT_EQ(stored[0].wrapped.find(secret), std::string::npos);
    }
    EXPECT_NE(dataKey, created.cipherKey);
    EXPECT_NE(dataKey, created.idKey);

    // A fresh ring (no cache) with the same master unwraps the same keys.
    KeyRing fresh(db_.db(), master_);
    OwnerKeys reread = fresh.keysFor("u1", false);
    EXPECT_EQ(reread.cipherKey, created.cipherKey);
    EXPECT_EQ(reread.idKey, created.idKey);
    EXPECT_EQ(fresh.keysFor("u1", true).cipherKey, created.cipherKey);  // create does not replace
    EXPECT_EQ(rows().size(), 1u);
}

TEST_F(KeyRingTest, OwnersGetIndependentKeys) {
    KeyRing ring(db_.db(), master_);
    OwnerKeys a = ring.keysFor("u1", true);
    OwnerKeys b = ring.keysFor("u2", true);
    OwnerKeys shared = ring.keysFor("", true);
    EXPECT_NE(a.cipherKey, b.cipherKey);
    EXPECT_NE(a.idKey, b.idKey);
    EXPECT_NE(a.cipherKey, shared.cipherKey);
    EXPECT_EQ(rows().size(), 3u);
}

TEST_F(KeyRingTest, AWrappedKeyIsBoundToItsOwner) {
    KeyRing ring(db_.db(), master_);
    ring.keysFor("u1", true);
    ring.keysFor("u2", true);
    // Swap the wrapped keys of two owners: neither unwraps any more.
    db_.db().withTransaction([](Poco::Data::Session& s) {
        s << "UPDATE storage_data_keys SET owner_id = 'tmp' WHERE owner_id = 'u1'", now;
        s << "UPDATE storage_data_keys SET owner_id = 'u1' WHERE owner_id = 'u2'", now;
        s << "UPDATE storage_data_keys SET owner_id = 'u2' WHERE owner_id = 'tmp'", now;
    });
    KeyRing fresh(db_.db(), master_);
    EXPECT_THROW(fresh.keysFor("u1", false), std::runtime_error);
    EXPECT_THROW(fresh.keysFor("u2", false), std::runtime_error);
}

TEST_F(KeyRingTest, ADifferentMasterKeyCannotUnwrap) {
    KeyRing ring(db_.db(), master_);
    ring.keysFor("u1", true);
    KeyRing wrong(db_.db(), otherMaster_);
    try {
        wrong.keysFor("u1", false);
        ADD_FAILURE() << "unwrapped with the wrong master key";
    } catch (const std::runtime_error& e) {
        EXPECT_THAT(std::string(e.what()), HasSubstr("u1"));
    }
    EXPECT_THROW(wrong.keysFor("u1", true), std::runtime_error);  // does not overwrite either
    EXPECT_EQ(rows().size(), 1u);
    EXPECT_EQ(wrong.countForeignKeys(), 1);
    EXPECT_EQ(ring.countForeignKeys(), 0);
}

TEST_F(KeyRingTest, UnknownOwnerWithoutCreateThrows) {
    KeyRing ring(db_.db(), master_);
    try {
        ring.keysFor("nobody", false);
        ADD_FAILURE() << "returned keys for an owner without a key";
    } catch (const std::runtime_error& e) {
        EXPECT_THAT(std::string(e.what()), HasSubstr("nobody"));
    }
    EXPECT_TRUE(rows().empty());
}

TEST_F(KeyRingTest, DamagedStoredKeyIsRefused) {
    KeyRing ring(db_.db(), master_);
    ring.keysFor("u1", true);
    std::string wrapped = rows()[0].wrapped;
    wrapped[60] = wrapped[60] == '0' ? '1' : '0';
    db_.db().withTransaction([&](Poco::Data::Session& s) {
        s << "UPDATE storage_data_keys SET wrapped_key = $1", use(wrapped), now;
    });
    EXPECT_THROW(KeyRing(db_.db(), master_).keysFor("u1", false), std::runtime_error);
    db_.db().withTransaction([&](Poco::Data::Session& s) {
        s << "UPDATE storage_data_keys SET wrapped_key = 'abcd'", now;
    });
    EXPECT_THROW(KeyRing(db_.db(), master_).keysFor("u1", false), std::runtime_error);
}

TEST_F(KeyRingTest, RotateRewrapsEveryKey) {
    const std::vector<std::string> owners{"u1", "u2", "ws-3"};
    std::vector<OwnerKeys> before;
    KeyRing ring(db_.db(), master_);
    for (const auto& o : owners) before.push_back(ring.keysFor(o, true));
    auto oldRows = rows();

    EXPECT_EQ(ring.rotate(otherMaster_), 3);

    auto newRows = rows();
    ASSERT_EQ(newRows.size(), 3u);
    for (std::size_t i = 0; i < newRows.size(); ++i) {
        EXPECT_EQ(newRows[i].masterKeyId, KeyRing::idOf(otherMaster_));
        EXPECT_NE(newRows[i].wrapped, oldRows[i].wrapped);
        // The data key itself is unchanged (chunks are not rewritten).
        EXPECT_EQ(unwrapByHand(newRows[i], otherMaster_), unwrapByHand(oldRows[i], master_));
    }

    KeyRing rotated(db_.db(), otherMaster_);
    for (std::size_t i = 0; i < owners.size(); ++i) {
        OwnerKeys k = rotated.keysFor(owners[i], false);
        EXPECT_EQ(k.cipherKey, before[i].cipherKey) << owners[i];
        EXPECT_EQ(k.idKey, before[i].idKey) << owners[i];
    }
    KeyRing old(db_.db(), master_);
    EXPECT_THROW(old.keysFor("u1", false), std::runtime_error);
    EXPECT_EQ(rotated.countForeignKeys(), 0);
    EXPECT_EQ(old.countForeignKeys(), 3);

    // Idempotent: everything is already wrapped by the new key.
    EXPECT_EQ(ring.rotate(otherMaster_), 0);
    EXPECT_EQ(rotated.rotate(otherMaster_), 0);
    EXPECT_EQ(rows()[0].wrapped, newRows[0].wrapped);
    EXPECT_EQ(KeyRing(db_.db(), otherMaster_).keysFor("u2", false).cipherKey, before[1].cipherKey);
}

TEST_F(KeyRingTest, RotateBackAndForth) {
    KeyRing ring(db_.db(), master_);
    OwnerKeys k = ring.keysFor("u1", true);
    EXPECT_EQ(ring.rotate(otherMaster_), 1);
    KeyRing second(db_.db(), otherMaster_);
    EXPECT_EQ(second.rotate(master_), 1);
    EXPECT_EQ(KeyRing(db_.db(), master_).keysFor("u1", false).cipherKey, k.cipherKey);
    EXPECT_EQ(KeyRing(db_.db(), master_).countForeignKeys(), 0);
}

TEST_F(KeyRingTest, InterruptedRotationCanBeResumed) {
    KeyRing ring(db_.db(), master_);
    OwnerKeys a = ring.keysFor("u1", true);
    OwnerKeys b = ring.keysFor("u2", true);
    auto oldRows = rows();
    ASSERT_EQ(oldRows.size(), 2u);
    EXPECT_EQ(ring.rotate(otherMaster_), 2);
    // As if the rotation had stopped half way: u2 is still wrapped by the old master key.
    std::string wrapped = oldRows[1].wrapped, id = oldRows[1].masterKeyId;
    db_.db().withTransaction([&](Poco::Data::Session& s) {
        s << "UPDATE storage_data_keys SET wrapped_key = $1, master_key_id = $2 WHERE owner_id = 'u2'", use(wrapped),
            use(id), now;
    });
    EXPECT_EQ(KeyRing(db_.db(), otherMaster_).countForeignKeys(), 1);
    EXPECT_EQ(KeyRing(db_.db(), master_).rotate(otherMaster_), 1);  // only the one left
    KeyRing check(db_.db(), otherMaster_);
    EXPECT_EQ(check.countForeignKeys(), 0);
    EXPECT_EQ(check.keysFor("u1", false).cipherKey, a.cipherKey);
    EXPECT_EQ(check.keysFor("u2", false).cipherKey, b.cipherKey);
}

TEST_F(KeyRingTest, RotateRejectsABadNewKey) {
    KeyRing ring(db_.db(), master_);
    ring.keysFor("u1", true);
    EXPECT_THROW(ring.rotate(std::string(16, 'k')), std::invalid_argument);
    EXPECT_THROW(ring.rotate(""), std::invalid_argument);
    EXPECT_EQ(rows()[0].masterKeyId, KeyRing::idOf(master_));
}

TEST_F(KeyRingTest, RotationWithTheWrongCurrentKeyChangesNothing) {
    KeyRing ring(db_.db(), master_);
    ring.keysFor("u1", true);
    auto before = rows();
    KeyRing wrong(db_.db(), otherMaster_);
    EXPECT_THROW(wrong.rotate(crypto::randomBytes(32)), std::runtime_error);
    auto after = rows();
    ASSERT_EQ(after.size(), 1u);
    EXPECT_EQ(after[0].wrapped, before[0].wrapped);
    EXPECT_EQ(after[0].masterKeyId, before[0].masterKeyId);
}

}  // namespace
}  // namespace hub::core::storage
