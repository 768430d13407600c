#include "db/CoreMigrations.h"

namespace hub::core {

std::vector<sdk::Migration> coreMigrations() {
    sdk::Migration users;
    users.version = 1;
    users.name = "users_and_sessions";
    users.sqlite = R"SQL(
CREATE TABLE users (
    id TEXT PRIMARY KEY,
    username TEXT NOT NULL UNIQUE,
    email TEXT UNIQUE,
    hashed_password TEXT NOT NULL,
    role TEXT NOT NULL DEFAULT 'user' CHECK (role IN ('admin', 'user')),
    settings TEXT NOT NULL DEFAULT '{}',
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    password_changed_at BIGINT NOT NULL
);
CREATE TABLE auth_sessions (
    id TEXT PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    token_hash TEXT NOT NULL UNIQUE,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    client_ip TEXT,
    user_agent TEXT
);
CREATE INDEX auth_sessions_user_id ON auth_sessions (user_id);
CREATE INDEX auth_sessions_expires_at ON auth_sessions (expires_at);
)SQL";
    users.postgresql = R"SQL(
CREATE TABLE users (
    id UUID PRIMARY KEY,
    username TEXT NOT NULL UNIQUE,
    email TEXT UNIQUE,
    hashed_password TEXT NOT NULL,
    role TEXT NOT NULL DEFAULT 'user' CHECK (role IN ('admin', 'user')),
    settings JSONB NOT NULL DEFAULT '{}'::jsonb,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    password_changed_at BIGINT NOT NULL
);
CREATE TABLE auth_sessions (
    id UUID PRIMARY KEY,
    user_id UUID NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    token_hash TEXT NOT NULL UNIQUE,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    client_ip TEXT,
    user_agent TEXT
);
CREATE INDEX auth_sessions_user_id ON auth_sessions (user_id);
CREATE INDEX auth_sessions_expires_at ON auth_sessions (expires_at);
)SQL";
    // The storage engine: blobs as ordered chunk lists, chunks with reference counts, and
    // per-owner data keys (wrapped by the master key) for encryption at rest.
    sdk::Migration storage;
    storage.version = 2;
    storage.name = "storage_engine";
    storage.sqlite = R"SQL(
CREATE TABLE storage_blobs (
    id TEXT PRIMARY KEY,
    owner_id TEXT NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('staged', 'live')),
    size_bytes BIGINT NOT NULL,
    sha256 TEXT NOT NULL,
    chunk_count INTEGER NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX storage_blobs_state_created ON storage_blobs (state, created_at);
CREATE TABLE storage_chunks (
    scope TEXT NOT NULL,
    hash TEXT NOT NULL,
    size_bytes BIGINT NOT NULL,
    stored_bytes BIGINT NOT NULL,
    refcount BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (scope, hash)
);
CREATE INDEX storage_chunks_unreferenced ON storage_chunks (refcount) WHERE refcount <= 0;
CREATE TABLE storage_blob_chunks (
    blob_id TEXT NOT NULL REFERENCES storage_blobs(id) ON DELETE CASCADE,
    seq INTEGER NOT NULL,
    scope TEXT NOT NULL,
    hash TEXT NOT NULL,
    offset_bytes BIGINT NOT NULL,
    size_bytes BIGINT NOT NULL,
    PRIMARY KEY (blob_id, seq)
);
CREATE INDEX storage_blob_chunks_chunk ON storage_blob_chunks (scope, hash);
CREATE TABLE storage_data_keys (
    owner_id TEXT PRIMARY KEY,
    wrapped_key TEXT NOT NULL,
    master_key_id TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
)SQL";
    storage.postgresql = storage.sqlite;
    // One access model: grants on any registered resource type to users and teams.
    sdk::Migration access;
    access.version = 3;
    access.name = "access_grants_and_teams";
    access.sqlite = R"SQL(
CREATE TABLE teams (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    created_by TEXT REFERENCES users(id) ON DELETE SET NULL,
    created_at BIGINT NOT NULL
);
CREATE TABLE team_members (
    team_id TEXT NOT NULL REFERENCES teams(id) ON DELETE CASCADE,
    user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    role TEXT NOT NULL CHECK (role IN ('admin', 'member')),
    added_at BIGINT NOT NULL,
    PRIMARY KEY (team_id, user_id)
);
CREATE INDEX team_members_user_id ON team_members (user_id);
CREATE TABLE access_grants (
    id TEXT PRIMARY KEY,
    resource_type TEXT NOT NULL,
    resource_id TEXT NOT NULL,
    principal_type TEXT NOT NULL CHECK (principal_type IN ('user', 'team')),
    principal_id TEXT NOT NULL,
    permissions INTEGER NOT NULL,
    expires_at BIGINT,
    granted_by TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    UNIQUE (resource_type, resource_id, principal_type, principal_id)
);
CREATE INDEX access_grants_principal ON access_grants (principal_type, principal_id, resource_type);
)SQL";
    access.postgresql = R"SQL(
CREATE TABLE teams (
    id UUID PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    created_by UUID REFERENCES users(id) ON DELETE SET NULL,
    created_at BIGINT NOT NULL
);
CREATE TABLE team_members (
    team_id UUID NOT NULL REFERENCES teams(id) ON DELETE CASCADE,
    user_id UUID NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    role TEXT NOT NULL CHECK (role IN ('admin', 'member')),
    added_at BIGINT NOT NULL,
    PRIMARY KEY (team_id, user_id)
);
CREATE INDEX team_members_user_id ON team_members (user_id);
CREATE TABLE access_grants (
    id UUID PRIMARY KEY,
    resource_type TEXT NOT NULL,
    resource_id TEXT NOT NULL,
    principal_type TEXT NOT NULL CHECK (principal_type IN ('user', 'team')),
    principal_id TEXT NOT NULL,
    permissions INTEGER NOT NULL,
    expires_at BIGINT,
    granted_by TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    UNIQUE (resource_type, resource_id, principal_type, principal_id)
);
CREATE INDEX access_grants_principal ON access_grants (principal_type, principal_id, resource_type);
)SQL";
    // When a chunk's last reference went: hubd gc frees only chunks released longer ago than
    // its grace period, since a running server may still be streaming one to a download.
    sdk::Migration released;
    released.version = 4;
    released.name = "storage_chunk_released_at";
    released.sqlite = "ALTER TABLE storage_chunks ADD COLUMN released_at BIGINT;";
    released.postgresql = released.sqlite;
    // One activity store for every plugin (core.activity.v1). Readers page by (at, id)
    // descending; each index serves one way an entry reaches a reader (owner, actor, the
    // resource itself), and `at` alone serves the retention sweep.
    sdk::Migration activity;
    activity.version = 5;
    activity.name = "activity";
    activity.sqlite = R"SQL(
CREATE TABLE activity (
    id TEXT PRIMARY KEY,
    at BIGINT NOT NULL,
    actor_id TEXT,
    action TEXT NOT NULL,
    resource_type TEXT NOT NULL,
    resource_id TEXT NOT NULL,
    resource_name TEXT NOT NULL DEFAULT '',
    owner_id TEXT,
    workspace_id TEXT,
    details TEXT NOT NULL DEFAULT '{}'
);
CREATE INDEX activity_owner_at ON activity (owner_id, at, id);
CREATE INDEX activity_actor_at ON activity (actor_id, at, id);
CREATE INDEX activity_resource_at ON activity (resource_type, resource_id, at, id);
CREATE INDEX activity_at ON activity (at);
)SQL";
    activity.postgresql = R"SQL(
CREATE TABLE activity (
    id UUID PRIMARY KEY,
    at BIGINT NOT NULL,
    actor_id TEXT,
    action TEXT NOT NULL,
    resource_type TEXT NOT NULL,
    resource_id TEXT NOT NULL,
    resource_name TEXT NOT NULL DEFAULT '',
    owner_id TEXT,
    workspace_id TEXT,
    details JSONB NOT NULL DEFAULT '{}'::jsonb
);
CREATE INDEX activity_owner_at ON activity (owner_id, at, id);
CREATE INDEX activity_actor_at ON activity (actor_id, at, id);
CREATE INDEX activity_resource_at ON activity (resource_type, resource_id, at, id);
CREATE INDEX activity_at ON activity (at);
)SQL";
    // Share links (core.links.v1): only a token's SHA-256 is stored.
    sdk::Migration links;
    links.version = 6;
    links.name = "share_links";
    links.sqlite = R"SQL(
CREATE TABLE share_links (
    id TEXT PRIMARY KEY,
    token_hash TEXT NOT NULL UNIQUE,
    resource_type TEXT NOT NULL,
    resource_id TEXT NOT NULL,
    created_by TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    mode TEXT NOT NULL CHECK (mode IN ('read', 'upload')),
    password_hash TEXT,
    expires_at BIGINT,
    max_uses BIGINT,
    use_count BIGINT NOT NULL DEFAULT 0,
    payload TEXT NOT NULL DEFAULT '{}',
    created_at BIGINT NOT NULL
);
CREATE INDEX share_links_resource ON share_links (resource_type, resource_id);
)SQL";
    links.postgresql = R"SQL(
CREATE TABLE share_links (
    id UUID PRIMARY KEY,
    token_hash TEXT NOT NULL UNIQUE,
    resource_type TEXT NOT NULL,
    resource_id TEXT NOT NULL,
    created_by UUID NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    mode TEXT NOT NULL CHECK (mode IN ('read', 'upload')),
    password_hash TEXT,
    expires_at BIGINT,
    max_uses BIGINT,
    use_count BIGINT NOT NULL DEFAULT 0,
    payload TEXT NOT NULL DEFAULT '{}',
    created_at BIGINT NOT NULL
);
CREATE INDEX share_links_resource ON share_links (resource_type, resource_id);
)SQL";
    // Workspaces: each has an account (a users row that can never sign in) that owns its
    // files, advisors and conversations, so every plugin's per-owner tables serve workspaces
    // unchanged; members (users or teams) hold roles. Grants gain the workspace principal.
    sdk::Migration workspaces;
    workspaces.version = 7;
    workspaces.name = "workspaces";
    workspaces.sqlite = R"SQL(
ALTER TABLE users ADD COLUMN is_workspace INTEGER NOT NULL DEFAULT 0;
CREATE TABLE workspaces (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    account_id TEXT NOT NULL UNIQUE REFERENCES users(id),
    created_by TEXT REFERENCES users(id) ON DELETE SET NULL,
    created_at BIGINT NOT NULL,
    deleted_at BIGINT
);
CREATE UNIQUE INDEX workspaces_live_name ON workspaces (name) WHERE deleted_at IS NULL;
CREATE TABLE workspace_members (
    workspace_id TEXT NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    member_type TEXT NOT NULL CHECK (member_type IN ('user', 'team')),
    member_id TEXT NOT NULL,
    role TEXT NOT NULL CHECK (role IN ('owner', 'admin', 'editor', 'viewer')),
    added_at BIGINT NOT NULL,
    PRIMARY KEY (workspace_id, member_type, member_id)
);
CREATE INDEX workspace_members_member ON workspace_members (member_type, member_id);
CREATE TABLE access_grants_v7 (
    id TEXT PRIMARY KEY,
    resource_type TEXT NOT NULL,
    resource_id TEXT NOT NULL,
    principal_type TEXT NOT NULL CHECK (principal_type IN ('user', 'team', 'workspace')),
    principal_id TEXT NOT NULL,
    permissions INTEGER NOT NULL,
    expires_at BIGINT,
    granted_by TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    UNIQUE (resource_type, resource_id, principal_type, principal_id)
);
INSERT INTO access_grants_v7 SELECT id, resource_type, resource_id, principal_type, principal_id, permissions,
    expires_at, granted_by, created_at FROM access_grants;
DROP TABLE access_grants;
ALTER TABLE access_grants_v7 RENAME TO access_grants;
CREATE INDEX access_grants_principal ON access_grants (principal_type, principal_id, resource_type);
)SQL";
    workspaces.postgresql = R"SQL(
ALTER TABLE users ADD COLUMN is_workspace INTEGER NOT NULL DEFAULT 0;
CREATE TABLE workspaces (
    id UUID PRIMARY KEY,
    name TEXT NOT NULL,
    account_id UUID NOT NULL UNIQUE REFERENCES users(id),
    created_by UUID REFERENCES users(id) ON DELETE SET NULL,
    created_at BIGINT NOT NULL,
    deleted_at BIGINT
);
CREATE UNIQUE INDEX workspaces_live_name ON workspaces (name) WHERE deleted_at IS NULL;
CREATE TABLE workspace_members (
    workspace_id UUID NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    member_type TEXT NOT NULL CHECK (member_type IN ('user', 'team')),
    member_id TEXT NOT NULL,
    role TEXT NOT NULL CHECK (role IN ('owner', 'admin', 'editor', 'viewer')),
    added_at BIGINT NOT NULL,
    PRIMARY KEY (workspace_id, member_type, member_id)
);
CREATE INDEX workspace_members_member ON workspace_members (member_type, member_id);
ALTER TABLE access_grants DROP CONSTRAINT access_grants_principal_type_check;
ALTER TABLE access_grants ADD CONSTRAINT access_grants_principal_type_check
    CHECK (principal_type IN ('user', 'team', 'workspace'));
)SQL";
    return {users, storage, access, released, activity, links, workspaces};
}

}  // namespace hub::core
