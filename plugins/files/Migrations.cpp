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
    // Resumable uploads: one row per upload, one per part received (each part a blob).
    sdk::Migration uploads;
    uploads.version = 2;
    uploads.name = "resumable_uploads";
    uploads.sqlite = R"SQL(
CREATE TABLE file_uploads (
    id TEXT PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    file_path TEXT NOT NULL,
    size_bytes BIGINT NOT NULL,
    sha256 TEXT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL
);
CREATE INDEX file_uploads_user_id ON file_uploads (user_id);
CREATE INDEX file_uploads_expires_at ON file_uploads (expires_at);
CREATE TABLE file_upload_parts (
    upload_id TEXT NOT NULL REFERENCES file_uploads(id) ON DELETE CASCADE,
    part_number INTEGER NOT NULL,
    blob_id TEXT NOT NULL,
    size_bytes BIGINT NOT NULL,
    sha256 TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (upload_id, part_number)
);
)SQL";
    uploads.postgresql = R"SQL(
CREATE TABLE file_uploads (
    id UUID PRIMARY KEY,
    user_id UUID NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    file_path TEXT NOT NULL,
    size_bytes BIGINT NOT NULL,
    sha256 TEXT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL
);
CREATE INDEX file_uploads_user_id ON file_uploads (user_id);
CREATE INDEX file_uploads_expires_at ON file_uploads (expires_at);
CREATE TABLE file_upload_parts (
    upload_id UUID NOT NULL REFERENCES file_uploads(id) ON DELETE CASCADE,
    part_number INTEGER NOT NULL,
    blob_id TEXT NOT NULL,
    size_bytes BIGINT NOT NULL,
    sha256 TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (upload_id, part_number)
);
)SQL";
    // Shares become grants of the core's access model (resource type "file"): read = view,
    // write = edit, reshare = reshare; ids, granters, expiry and creation times are kept, so
    // existing share ids stay valid for /api/v1/shares.
    sdk::Migration toAccess;
    toAccess.version = 3;
    toAccess.name = "file_shares_to_access_grants";
    toAccess.sqlite = R"SQL(
INSERT INTO access_grants (id, resource_type, resource_id, principal_type, principal_id, permissions, expires_at,
                           granted_by, created_at)
SELECT id, 'file', file_id, 'user', shared_with_id,
       1 + (CASE WHEN json_extract(permissions, '$.write') THEN 4 ELSE 0 END)
         + (CASE WHEN json_extract(permissions, '$.reshare') THEN 8 ELSE 0 END),
       expires_at, granted_by, created_at
FROM file_shares WHERE json_extract(permissions, '$.read')
ON CONFLICT DO NOTHING;
DROP TABLE file_shares;
)SQL";
    toAccess.postgresql = R"SQL(
INSERT INTO access_grants (id, resource_type, resource_id, principal_type, principal_id, permissions, expires_at,
                           granted_by, created_at)
SELECT id, 'file', CAST(file_id AS TEXT), 'user', CAST(shared_with_id AS TEXT),
       1 + (CASE WHEN COALESCE((permissions->>'write')::boolean, FALSE) THEN 4 ELSE 0 END)
         + (CASE WHEN COALESCE((permissions->>'reshare')::boolean, FALSE) THEN 8 ELSE 0 END),
       expires_at, CAST(granted_by AS TEXT), created_at
FROM file_shares WHERE COALESCE((permissions->>'read')::boolean, FALSE)
ON CONFLICT DO NOTHING;
DROP TABLE file_shares;
)SQL";
    return {m, uploads, toAccess};
}

}  // namespace hub::plugins::files
