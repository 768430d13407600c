#include "Migrations.h"

namespace hub::plugins::files {

std::vector<sdk::Migration> filesMigrations() {
    sdk::Migration m;
    m.version = 1;
    m.name = "user_files_and_file_shares";
    m.sqlite = R"SQL(
CREATE TABLE user_files (
    id TEXT PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    file_path TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('file', 'folder')),
    file_type TEXT NOT NULL,
    content_type TEXT,
    size_bytes BIGINT NOT NULL DEFAULT 0,
    blob_id TEXT,
    sha256 TEXT,
    is_public INTEGER NOT NULL DEFAULT 0,
    file_metadata TEXT NOT NULL DEFAULT '{}',
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    UNIQUE (user_id, file_path)
);
CREATE INDEX user_files_blob_id ON user_files (blob_id);
CREATE TABLE file_shares (
    id TEXT PRIMARY KEY,
    file_id TEXT NOT NULL REFERENCES user_files(id) ON DELETE CASCADE,
    shared_with_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    granted_by TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    permissions TEXT NOT NULL,
    expires_at BIGINT,
    created_at BIGINT NOT NULL,
    UNIQUE (file_id, shared_with_id)
);
CREATE INDEX file_shares_shared_with_id ON file_shares (shared_with_id);
)SQL";
    m.postgresql = R"SQL(
CREATE TABLE user_files (
    id UUID PRIMARY KEY,
    user_id UUID NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    file_path TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('file', 'folder')),
    file_type TEXT NOT NULL,
    content_type TEXT,
    size_bytes BIGINT NOT NULL DEFAULT 0,
    blob_id TEXT,
    sha256 TEXT,
    is_public BOOLEAN NOT NULL DEFAULT FALSE,
    file_metadata JSONB NOT NULL DEFAULT '{}'::jsonb,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    UNIQUE (user_id, file_path)
);
CREATE INDEX user_files_blob_id ON user_files (blob_id);
CREATE TABLE file_shares (
    id UUID PRIMARY KEY,
    file_id UUID NOT NULL REFERENCES user_files(id) ON DELETE CASCADE,
    shared_with_id UUID NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    granted_by UUID NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    permissions JSONB NOT NULL,
    expires_at BIGINT,
    created_at BIGINT NOT NULL,
    UNIQUE (file_id, shared_with_id)
);
CREATE INDEX file_shares_shared_with_id ON file_shares (shared_with_id);
)SQL";
    return {m};
}

}  // namespace hub::plugins::files
