package webhook

import (
	"regexp"
	"slices"
)

// Channels narrow fan-out beyond event types (as Svix's API has them): a webhook with
// channels receives only events on at least one of them; one without receives every event.
const (
	MaxChannels   = 10
	MaxChannelLen = 128
)

var channelPattern = regexp.MustCompile(`^[a-zA-Z0-9\-_.:]+$`)

// OnChannel reports whether an event on channels goes to a webhook listening to listens.
func OnChannel(listens, channels []string) bool {
	if len(listens) == 0 {
		return true
	}
	for _, c := range channels {
		if slices.Contains(listens, c) {
			return true
		}
	}
	return false
}

// ValidateChannels checks a list of channels.
func ValidateChannels(field string, channels []string) error {
	if len(channels) > MaxChannels {
		return Errorf(EInvalid, "%s: at most %d channels, got %d", field, MaxChannels, len(channels))
	}
	for _, c := range channels {
		if len(c) == 0 || len(c) > MaxChannelLen || !channelPattern.MatchString(c) {
			return Errorf(EInvalid, "%s: %q is not a channel (1 to %d of a-z, A-Z, 0-9, -, _, ., :)", field, c, MaxChannelLen)
		}
	}
	return nil
}

var uidPattern = regexp.MustCompile(`^[a-zA-Z0-9\-_.]{1,256}$`)

// ValidateUID checks a sender-chosen unique name (an app's or a webhook's uid).
func ValidateUID(field, uid string) error {
	if !uidPattern.MatchString(uid) {
		return Errorf(EInvalid, "%s: %q must be 1 to 256 of a-z, A-Z, 0-9, -, _ and .", field, uid)
	}
	return nil
}
