-- Who may change a model: its owner (models.created_by, the user whose first fit created it),
-- the maintainers that the owner or an admin named, and admins. Anyone signed in may predict
-- with it and read its public metadata.
CREATE TABLE model_maintainers (
  model_key TEXT NOT NULL REFERENCES models (model_key) ON DELETE CASCADE,
  user_id BIGINT NOT NULL REFERENCES users (id),
  added_by BIGINT REFERENCES users (id),
  added_at TEXT NOT NULL,
  PRIMARY KEY (model_key, user_id)
);
CREATE INDEX model_maintainers_user ON model_maintainers (user_id);

-- The target each version was trained for: the model's target_field and task follow the
-- active version, and a new version with another target or features is a schema change.
ALTER TABLE model_versions ADD COLUMN target_field TEXT;
UPDATE model_versions
SET target_field = (SELECT m.target_field FROM models m WHERE m.model_key = model_versions.model_key);
