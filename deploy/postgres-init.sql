-- Parley's own database beside Temporal's, in the compose stack's Postgres.
CREATE USER parley WITH PASSWORD 'parley';
CREATE DATABASE parley OWNER parley;
