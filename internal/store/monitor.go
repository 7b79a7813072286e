package store

// Monitor holds the store methods for monitoring surfaces: messages, attempts, calls, rollups, retention.
type Monitor interface{}
