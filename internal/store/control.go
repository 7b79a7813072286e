package store

// Control holds the store methods for delivery control: manual retry, recover, breaker and throttle state.
type Control interface{}
