#include "Migrations.h"

namespace hub::plugins::advisors {

std::vector<sdk::Migration> advisorsMigrations() {
    sdk::Migration m;
    m.version = 1;
    m.name = "advisors";
    // HubGPT's name was globally UNIQUE; advisors now belong to a user, so the name is unique
    // per user. That constraint's index leads with user_id and serves every query (all filter
    // on the owner); a user's few advisors are sorted by created_at without an index.
    // tools NULL is the JSON null of AdvisorCreate; messages is never NULL.
    m.sqlite = R"SQL(
CREATE TABLE advisors (
    id TEXT PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    description TEXT,
    model TEXT NOT NULL,
    temperature REAL NOT NULL DEFAULT 1.0,
    max_tokens INTEGER NOT NULL DEFAULT 1000,
    stream INTEGER NOT NULL DEFAULT 1,
    messages TEXT NOT NULL DEFAULT '[]',
    gateway TEXT NOT NULL,
    tools TEXT,
    top_p REAL,
    frequency_penalty REAL,
    presence_penalty REAL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    UNIQUE (user_id, name)
);
)SQL";
    m.postgresql = R"SQL(
CREATE TABLE advisors (
    id UUID PRIMARY KEY,
    user_id UUID NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    description TEXT,
    model TEXT NOT NULL,
    temperature DOUBLE PRECISION NOT NULL DEFAULT 1.0,
    max_tokens INTEGER NOT NULL DEFAULT 1000,
    stream BOOLEAN NOT NULL DEFAULT TRUE,
    messages JSONB NOT NULL DEFAULT '[]'::jsonb,
    gateway TEXT NOT NULL,
    tools JSONB,
    top_p DOUBLE PRECISION,
    frequency_penalty DOUBLE PRECISION,
    presence_penalty DOUBLE PRECISION,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    UNIQUE (user_id, name)
);
)SQL";
    return {m};
}

}  // namespace hub::plugins::advisors
