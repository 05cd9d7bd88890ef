-- The profile of an uploaded data set (src/datasets/reader/profile.ts): per column the inferred
-- kind, missing cells, whether it is left out by default and why, as JSON. NULL for data sets
-- stored before profiles existed and for JSON training rows.
ALTER TABLE datasets ADD COLUMN profile TEXT;
