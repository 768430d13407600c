#include "Migrations.h"

namespace hub::plugins::snippets {

std::vector<sdk::Migration> snippetsMigrations() {
    sdk::Migration m;
    m.version = 1;
    m.name = "snippets";
    // The index leads with user_id (every query filters on it) and adds created_at, the list
    // order, so listing a user's snippets needs no sort.
    m.sqlite = R"SQL(
CREATE TABLE snippets (
    id TEXT PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    source_type TEXT NOT NULL,
    source_name TEXT NOT NULL,
    content TEXT NOT NULL,
    content_html TEXT,
    title TEXT,
    tags TEXT NOT NULL DEFAULT '[]',
    snippet_metadata TEXT NOT NULL DEFAULT '{}',
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX snippets_user_id ON snippets (user_id, created_at);
)SQL";
    m.postgresql = R"SQL(
CREATE TABLE snippets (
    id UUID PRIMARY KEY,
    user_id UUID NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    source_type TEXT NOT NULL,
    source_name TEXT NOT NULL,
    content TEXT NOT NULL,
    content_html TEXT,
    title TEXT,
    tags JSONB NOT NULL DEFAULT '[]'::jsonb,
    snippet_metadata JSONB NOT NULL DEFAULT '{}'::jsonb,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX snippets_user_id ON snippets (user_id, created_at);
)SQL";
    return {m};
}

}  // namespace hub::plugins::snippets
