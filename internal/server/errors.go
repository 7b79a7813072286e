package server

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"

	"github.com/hookd/hookd/internal/webhook"
)

// status maps hookd's error codes to HTTP, in this one place.
func status(code string) int {
	switch code {
	case webhook.EInvalid:
		return http.StatusBadRequest
	case webhook.ENotFound:
		return http.StatusNotFound
	case webhook.EConflict:
		return http.StatusConflict
	case webhook.ETooLarge:
		return http.StatusRequestEntityTooLarge
	case webhook.EUnauthorized:
		return http.StatusUnauthorized
	case webhook.EForbidden:
		return http.StatusForbidden
	case webhook.EUnavailable:
		return http.StatusServiceUnavailable
	case webhook.ENotImplemented:
		return http.StatusNotImplemented
	default:
		return http.StatusInternalServerError
	}
}

// family is a group of routes that share an error shape.
type family int

const (
	v0 family = iota // /api/v0: seed 001's {"statusCode","message","error","details"}
	v1               // /v1: {"code","detail"}, as Svix-style APIs answer
	v3               // /api/v3: JSON:API {"errors":[{"status","title","detail","source"}]}
	sx               // /api/v1: Svix's API, {"code","detail"} with Svix's codes (svix.go)
)

// writeFamilyError answers err in f's shape.
func (s *Server) writeFamilyError(f family, w http.ResponseWriter, r *http.Request, err error) {
	switch f {
	case v1:
		s.writeV1Error(w, r, err)
	case v3:
		s.writeV3Error(w, r, err, "")
	case sx:
		s.writeSvixError(w, r, err)
	default:
		s.writeError(w, r, err)
	}
}

// errStoreUnavailable answers a request the store could not serve now.
var errStoreUnavailable = webhook.Errorf(webhook.EUnavailable, "The store is unavailable; retry shortly (events: with the same Idempotency-Key)")

// unavailableRetry is the Retry-After of a 503.
const unavailableRetry = "5"

// failed classifies an error about to be answered, and logs it if it is hookd's: an
// unexpected one at once, a store outage once per interval however many requests it fails.
func (s *Server) failed(w http.ResponseWriter, r *http.Request, err error) error {
	if webhook.ErrorCode(err) == webhook.EInternal && s.store.Unavailable(err) {
		s.refused.Store(s.now().UnixMilli())
		s.outage.Log(s.log, "store unavailable", err, "method", r.Method, "path", r.URL.Path)
		w.Header().Set("Retry-After", unavailableRetry)
		return errStoreUnavailable
	}
	if webhook.ErrorCode(err) == webhook.EInternal {
		s.log.Error("request failed", "method", r.Method, "path", r.URL.Path, "err", err)
	}
	return err
}

// writeV1Error answers in the /v1 shape.
func (s *Server) writeV1Error(w http.ResponseWriter, r *http.Request, err error) {
	err = s.failed(w, r, err)
	code := webhook.ErrorCode(err)
	writeJSON(w, status(code), map[string]string{"code": code, "detail": webhook.ErrorMessage(err)})
}

// writeV3Error answers with a JSON:API error document; parameter names the query parameter at fault.
func (s *Server) writeV3Error(w http.ResponseWriter, r *http.Request, err error, parameter string) {
	err = s.failed(w, r, err)
	st := status(webhook.ErrorCode(err))
	e := map[string]any{"status": strconv.Itoa(st), "title": http.StatusText(st), "detail": webhook.ErrorMessage(err)}
	if parameter != "" {
		e["source"] = map[string]string{"parameter": parameter}
	}
	w.Header().Set("Content-Type", "application/vnd.api+json")
	w.WriteHeader(st)
	_ = json.NewEncoder(w).Encode(map[string]any{"errors": []any{e}})
}

// v0Error is seed 001's error body.
type v0Error struct {
	StatusCode int    `json:"statusCode"`
	Message    string `json:"message"`
	Error      string `json:"error"`
	Details    string `json:"details,omitempty"`
}

// detailedError carries 001's "details" beside the message.
type detailedError struct {
	err     *webhook.Error
	details string
}

func (e *detailedError) Error() string { return e.err.Message }
func (e *detailedError) Unwrap() error { return e.err }

func withDetails(code, message, details string) error {
	return &detailedError{err: &webhook.Error{Code: code, Message: message}, details: details}
}

// writeError answers with err in the /api/v0 shape; unexpected errors are logged, never shown.
func (s *Server) writeError(w http.ResponseWriter, r *http.Request, err error) {
	err = s.failed(w, r, err)
	code := webhook.ErrorCode(err)
	st := status(code)
	body := v0Error{StatusCode: st, Message: webhook.ErrorMessage(err), Error: http.StatusText(st)}
	var de *detailedError
	if errors.As(err, &de) {
		body.Details = de.details
	}
	writeJSON(w, st, body)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// decode reads one strict JSON value of at most limit bytes into v: unknown fields and
// wrong types are named in the error.
func decode(w http.ResponseWriter, r *http.Request, limit int64, v any) error {
	body := http.MaxBytesReader(w, r.Body, limit)
	dec := json.NewDecoder(body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return decodeError(err, limit)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return webhook.Errorf(webhook.EInvalid, "request body must hold one JSON value")
	}
	return nil
}

func decodeError(err error, limit int64) error {
	var syntax *json.SyntaxError
	var typ *json.UnmarshalTypeError
	var tooBig *http.MaxBytesError
	switch {
	case errors.As(err, &tooBig):
		return webhook.Errorf(webhook.ETooLarge, "request body is larger than %d bytes", limit)
	case errors.Is(err, io.EOF):
		return webhook.Errorf(webhook.EInvalid, "request body is empty; expected a JSON object")
	case errors.As(err, &syntax):
		return webhook.Errorf(webhook.EInvalid, "request body is not valid JSON (at byte %d): %v", syntax.Offset, err)
	case errors.As(err, &typ):
		field := typ.Field
		if field == "" {
			field = "request body"
		}
		return webhook.Errorf(webhook.EInvalid, "%s must be %s, not %s", field, jsonKind(typ.Type.Kind().String()), typ.Value)
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		return webhook.Errorf(webhook.EInvalid, "unknown field %s", strings.TrimPrefix(err.Error(), "json: unknown field "))
	case errors.Is(err, io.ErrUnexpectedEOF):
		return webhook.Errorf(webhook.EInvalid, "request body is truncated JSON")
	default:
		return webhook.Errorf(webhook.EInvalid, "request body: %v", err)
	}
}

func jsonKind(goKind string) string {
	switch goKind {
	case "string":
		return "a string"
	case "bool":
		return "a boolean"
	case "slice", "array":
		return "an array"
	case "map", "struct", "ptr":
		return "an object"
	case "int", "int64", "int32", "float64", "float32", "uint", "uint64":
		return "a number"
	default:
		return fmt.Sprintf("a %s", goKind)
	}
}
