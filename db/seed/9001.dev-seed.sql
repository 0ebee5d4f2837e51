-- Development data: two authors, two guests, three posts, comments. Never applied to a production stack (the runner
-- refuses --seed when the stack's environment is production). Nobody can sign in with these hashes: they are
-- well-formed PHC strings of random bytes, not hashes of any password.

INSERT INTO blog.users (user_type, email, display_name, password_hash, bio) VALUES
    ('author', 'ada@example.com',   'Ada Author',   '$argon2id$v=19$m=65536,t=3,p=4$c2VlZC1vbmx5LWFkYQ$dGhpcy1pcy1ub3QtYS1yZWFsLWhhc2g', 'Writes about databases.'),
    ('author', 'linus@example.com', 'Linus Writer', '$argon2id$v=19$m=65536,t=3,p=4$c2VlZC1vbmx5LWxpbnVz$bm90LWEtcmVhbC1oYXNoLWVpdGhlcg', NULL),
    ('guest',  'grace@example.com', 'Grace Guest',  NULL, NULL),
    ('guest',  'alan@example.com',  'Alan Reader',  NULL, NULL);

INSERT INTO blog.social_accounts (user_id, provider, handle)
SELECT u.id, v.provider, v.handle
FROM (VALUES ('ada@example.com', 'github', 'ada-dev'),
             ('ada@example.com', 'mastodon', '@ada@example.social'),
             ('grace@example.com', 'twitter', 'grace_reads')) AS v (email, provider, handle)
JOIN blog.users u ON lower(u.email) = v.email;

INSERT INTO blog.posts (author_id, title, slug, content, image_url, published_at)
SELECT u.id, v.title, v.slug, v.content, v.image_url, v.published_at::timestamptz
FROM (VALUES
    ('ada@example.com', 'Why TLS everywhere', 'why-tls-everywhere',
     'Aurora refuses plaintext connections when rds.force_ssl is on; so does the local database.',
     'https://images.example.com/tls.png', '2026-11-01T09:00:00Z'),
    ('ada@example.com', 'Roles, not the master user', 'roles-not-the-master-user',
     'The application logs in as a role that can read and write rows and nothing else.', NULL,
     '2026-11-15T09:00:00Z'),
    ('linus@example.com', 'A draft', 'a-draft', 'Not published yet.', NULL, NULL)
) AS v (email, title, slug, content, image_url, published_at)
JOIN blog.users u ON lower(u.email) = v.email;

INSERT INTO blog.comments (post_id, user_id, body)
SELECT p.id, u.id, v.body
FROM (VALUES ('why-tls-everywhere', 'grace@example.com', 'Clear and short, thanks.'),
             ('why-tls-everywhere', 'alan@example.com', 'What about the reader endpoint?'),
             ('why-tls-everywhere', 'linus@example.com', 'Same certificate bundle for readers.'),
             ('roles-not-the-master-user', 'grace@example.com', 'Least privilege, finally.')) AS v (slug, email, body)
JOIN blog.posts p ON p.slug = v.slug
JOIN blog.users u ON lower(u.email) = v.email;
