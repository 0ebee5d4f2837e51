-- The blog's data: users (authors and guests), their social accounts, posts and comments.
--
-- Runs as blog_owner (the runner does SET ROLE), so the schema and everything in it belong to that role. Every name
-- is schema-qualified: nothing here depends on a search_path.
-- Deleting: a user's social accounts and comments go with the user (CASCADE); an author with posts cannot be
-- deleted (RESTRICT: posts are the blog's content, removing them must be a decision, not a side effect); a
-- post's comments go with the post (CASCADE).

CREATE SCHEMA blog;

-- created_at is fixed at insert; updated_at moves on every UPDATE. clock_timestamp(), not now(): two updates in one
-- transaction still move it, and it is never earlier than created_at (now() is the transaction's start).
CREATE FUNCTION blog.touch_updated_at() RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    NEW.created_at := OLD.created_at;
    NEW.updated_at := clock_timestamp();
    RETURN NEW;
END;
$$;

CREATE TABLE blog.users (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_type     text NOT NULL CONSTRAINT users_user_type_check CHECK (user_type IN ('author', 'guest')),
    email         text NOT NULL CONSTRAINT users_email_check
                  CHECK (length(email) <= 254 AND email ~ '^[^@[:space:]]+@[^@[:space:]]+$'),
    display_name  text NOT NULL CONSTRAINT users_display_name_check
                  CHECK (length(btrim(display_name)) BETWEEN 1 AND 100),
    -- A password hash in the PHC string format ($argon2id$..., $scrypt$..., $2b$...), or none (a guest who signs in
    -- through a social account). The check refuses anything that does not look like a hash, so a plaintext
    -- password cannot be stored by mistake.
    password_hash text CONSTRAINT users_password_hash_check
                  CHECK (password_hash ~ '^\$[a-z0-9-]+\$[^[:space:]]{20,}$'),
    bio           text CONSTRAINT users_bio_check CHECK (length(bio) <= 2000),
    created_at    timestamptz NOT NULL DEFAULT now(),
    updated_at    timestamptz NOT NULL DEFAULT now(),
    -- The target of posts' (author_id, author_type) foreign key: only an author can write a post.
    CONSTRAINT users_id_user_type_key UNIQUE (id, user_type)
);
-- E-mail addresses are unique whatever their case: Alice@Example.com and alice@example.com are one person.
CREATE UNIQUE INDEX users_email_lower_key ON blog.users (lower(email));

CREATE TABLE blog.social_accounts (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id     bigint NOT NULL REFERENCES blog.users (id) ON DELETE CASCADE,
    provider    text NOT NULL CONSTRAINT social_accounts_provider_check
                CHECK (provider IN ('twitter', 'github', 'mastodon', 'linkedin')),
    handle      text NOT NULL CONSTRAINT social_accounts_handle_check
                CHECK (length(handle) BETWEEN 1 AND 100 AND handle !~ '[[:space:]]'),
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now(),
    -- One account per provider per user; this index also serves the foreign key on user_id (leading column).
    CONSTRAINT social_accounts_user_provider_key UNIQUE (user_id, provider)
);
-- A handle belongs to one user per provider, whatever its case.
CREATE UNIQUE INDEX social_accounts_provider_handle_key ON blog.social_accounts (provider, lower(handle));

CREATE TABLE blog.posts (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    author_id    bigint NOT NULL,
    -- Always 'author': with the composite foreign key below, a guest's id cannot be a post's author.
    author_type  text NOT NULL DEFAULT 'author' CONSTRAINT posts_author_type_check CHECK (author_type = 'author'),
    title        text NOT NULL CONSTRAINT posts_title_check CHECK (length(btrim(title)) BETWEEN 1 AND 200),
    -- The URL path of a post: lower-case words joined by single hyphens.
    slug         text NOT NULL CONSTRAINT posts_slug_key UNIQUE
                 CONSTRAINT posts_slug_check CHECK (length(slug) <= 200 AND slug ~ '^[a-z0-9]+(-[a-z0-9]+)*$'),
    content      text NOT NULL,
    image_url    text CONSTRAINT posts_image_url_check CHECK (image_url ~ '^https://[^[:space:]]+$'),
    published_at timestamptz,
    created_at   timestamptz NOT NULL DEFAULT now(),
    updated_at   timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT posts_author_fkey FOREIGN KEY (author_id, author_type)
        REFERENCES blog.users (id, user_type) ON DELETE RESTRICT ON UPDATE RESTRICT
);
CREATE INDEX posts_author_idx ON blog.posts (author_id, author_type);
-- The front page: published posts, newest first.
CREATE INDEX posts_published_idx ON blog.posts (published_at DESC) WHERE published_at IS NOT NULL;

CREATE TABLE blog.comments (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    post_id     bigint NOT NULL REFERENCES blog.posts (id) ON DELETE CASCADE,
    user_id     bigint NOT NULL REFERENCES blog.users (id) ON DELETE CASCADE,
    body        text NOT NULL CONSTRAINT comments_body_check CHECK (length(btrim(body)) BETWEEN 1 AND 10000),
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now()
);
-- A post's comments in date order (id breaks ties); also the index of the foreign key on post_id.
CREATE INDEX comments_post_created_idx ON blog.comments (post_id, created_at, id);
CREATE INDEX comments_user_idx ON blog.comments (user_id);

CREATE TRIGGER users_touch_updated_at BEFORE UPDATE ON blog.users
    FOR EACH ROW EXECUTE FUNCTION blog.touch_updated_at();
CREATE TRIGGER social_accounts_touch_updated_at BEFORE UPDATE ON blog.social_accounts
    FOR EACH ROW EXECUTE FUNCTION blog.touch_updated_at();
CREATE TRIGGER posts_touch_updated_at BEFORE UPDATE ON blog.posts
    FOR EACH ROW EXECUTE FUNCTION blog.touch_updated_at();
CREATE TRIGGER comments_touch_updated_at BEFORE UPDATE ON blog.comments
    FOR EACH ROW EXECUTE FUNCTION blog.touch_updated_at();
