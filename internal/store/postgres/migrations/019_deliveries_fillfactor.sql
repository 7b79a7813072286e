-- A completion writes each delivery's outcome into its log row, and one completion batch
-- updates the deliveries that one event commit put side by side on the same pages. With
-- fillfactor 90 about one update in three found room on its page: the others were not HOT
-- (their new version went to another page, with an entry in each of deliveries' three
-- indexes, which left those indexes two-thirds full once vacuum removed the old entries). Half of
-- each page left free holds a new version of every row on it: every completion's update is HOT,
-- and the space of the old versions is pruned for the next. New pages only: rows already
-- written stay where they are.
ALTER TABLE deliveries SET (fillfactor = 50);
