"""The notices outbox (issue 19): the subscriber on committed events, delivery, and the channels
that reach people."""
