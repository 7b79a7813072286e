package webhook

import (
	"errors"
	"fmt"
)

// Error codes. The server maps each to one HTTP status in one place.
const (
	EInvalid        = "invalid"         // bad input: 400
	ENotFound       = "not_found"       // missing or another app's: 404
	EConflict       = "conflict"        // state does not allow it: 409
	ETooLarge       = "too_large"       // body or payload over the limit: 413
	EUnauthorized   = "unauthorized"    // no or bad credentials: 401
	EForbidden      = "forbidden"       // credentials lack a right: 403
	EUnavailable    = "unavailable"     // the store cannot be reached or written now: 503
	ENotImplemented = "not_implemented" // a documented operation hookd does not offer: 501
	EInternal       = "internal"        // everything else: 500
)

// Error is hookd's one error type: a code for machines and a message for people.
type Error struct {
	Code    string
	Message string
}

func (e *Error) Error() string { return e.Message }

// Errorf returns an *Error with the given code.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// ErrorCode returns the code of the first *Error in err's chain, EInternal otherwise.
func ErrorCode(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return EInternal
}

// ErrorMessage returns the message of the first *Error in err's chain, a generic text otherwise.
func ErrorMessage(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Message
	}
	return "Internal error"
}
