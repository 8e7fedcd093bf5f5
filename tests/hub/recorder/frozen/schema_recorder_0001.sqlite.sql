-- The recorder's schema and a few rows as released at revision recorder_0001 (frozen;
-- never edit: migrations must upgrade exactly this).
BEGIN TRANSACTION;
CREATE TABLE alembic_version (
	version_num VARCHAR(32) NOT NULL, 
	CONSTRAINT alembic_version_pkc PRIMARY KEY (version_num)
);
INSERT INTO "alembic_version" VALUES('recorder_0001');
CREATE TABLE audit_log (
	id INTEGER NOT NULL, 
	time DOUBLE NOT NULL, 
	user VARCHAR(255) NOT NULL, 
	action VARCHAR(128) NOT NULL, 
	target VARCHAR(255), 
	details JSON NOT NULL, 
	origin VARCHAR(32) NOT NULL, 
	PRIMARY KEY (id)
);
INSERT INTO "audit_log" VALUES(1,1795300002.0,'guard-anna','gate.open','gate.north','{}','local');
CREATE TABLE events (
	id INTEGER NOT NULL, 
	event_type VARCHAR(64) NOT NULL, 
	time_fired DOUBLE NOT NULL, 
	data JSON NOT NULL, 
	user_id VARCHAR(64), 
	origin VARCHAR(32) NOT NULL, 
	PRIMARY KEY (id)
);
INSERT INTO "events" VALUES(1,'hub_started',1795300000.5,'{"seconds": 0.2}',NULL,'local');
CREATE TABLE states (
	id INTEGER NOT NULL, 
	entity_id VARCHAR(255) NOT NULL, 
	state VARCHAR(255), 
	attributes JSON NOT NULL, 
	last_changed DOUBLE NOT NULL, 
	last_updated DOUBLE NOT NULL, 
	user_id VARCHAR(64), 
	PRIMARY KEY (id)
);
INSERT INTO "states" VALUES(1,'gate.north','open','{"friendly_name": "North gate"}',1795300001.0,1795300001.0,'guard-anna');
CREATE INDEX ix_events_time_fired ON events (time_fired);
CREATE INDEX ix_events_type_time ON events (event_type, time_fired);
CREATE INDEX ix_states_entity_time ON states (entity_id, last_updated);
CREATE INDEX ix_states_last_updated ON states (last_updated);
CREATE INDEX ix_audit_log_action ON audit_log (action);
CREATE INDEX ix_audit_log_time ON audit_log (time);
CREATE INDEX ix_audit_log_user ON audit_log (user);
COMMIT;
