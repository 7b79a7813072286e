package store

// Security holds the store methods for admin API, rate limits, secret rotation and encryption at rest.
type Security interface{}
