-- What the application and the read-only role may do: the blog's rows, nothing else.
--
-- The roles themselves (and their passwords) are created by the runner from an administrator's login, never in a
-- migration (db/roles.py). No role but blog_owner gets anything on the ledger schema, TRUNCATE, REFERENCES or
-- TRIGGER, and no one but the owner may create objects in the blog schema.

REVOKE ALL ON SCHEMA blog FROM PUBLIC;
GRANT USAGE ON SCHEMA blog TO blog_app, blog_readonly;

GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA blog TO blog_app;
GRANT SELECT ON ALL TABLES IN SCHEMA blog TO blog_readonly;

-- Tables a later migration creates get the same grants without anyone remembering to add them.
ALTER DEFAULT PRIVILEGES FOR ROLE blog_owner IN SCHEMA blog
    GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO blog_app;
ALTER DEFAULT PRIVILEGES FOR ROLE blog_owner IN SCHEMA blog
    GRANT SELECT ON TABLES TO blog_readonly;

-- A trigger fires without EXECUTE; no one needs to call the function directly.
REVOKE ALL ON FUNCTION blog.touch_updated_at() FROM PUBLIC;
ALTER DEFAULT PRIVILEGES FOR ROLE blog_owner IN SCHEMA blog REVOKE EXECUTE ON FUNCTIONS FROM PUBLIC;
