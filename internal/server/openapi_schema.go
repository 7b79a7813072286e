package server

import (
	"fmt"
	"slices"
)

// Builders for the JSON Schema (2020-12, as OpenAPI 3.1 uses it) of the document's bodies. Each
// returns a fresh map, so a schema can be changed after it is built without touching another.

type obj = map[string]any

// freeFormKey marks a schema whose shape is the client's own (an event payload): the one
// kind of schema allowed to say nothing of its properties (openapi_test.go checks).
const freeFormKey = "x-free-form"

func ref(name string) obj { return obj{"$ref": "#/components/schemas/" + name} }

func typed(typ, desc string) obj {
	s := obj{"type": typ}
	if desc != "" {
		s["description"] = desc
	}
	return s
}

func text(desc string) obj    { return typed("string", desc) }
func integer(desc string) obj { return typed("integer", desc) }
func number(desc string) obj  { return typed("number", desc) }
func boolean(desc string) obj { return typed("boolean", desc) }

// timestamp is an ISO 8601 time as hookd writes it: 2024-03-20T12:00:00.000Z.
func timestamp(desc string) obj {
	s := text(desc)
	s["format"] = "date-time"
	return s
}

// enum is a string that takes one of values.
func enum(desc string, values ...string) obj {
	s := text(desc)
	s["enum"] = values
	return s
}

// between bounds a number or integer schema.
func between(s obj, lo, hi float64) obj {
	s["minimum"], s["maximum"] = lo, hi
	return s
}

func arrayOf(items obj) obj { return obj{"type": "array", "items": items} }

// mapOf is an object whose keys are the client's (header names) and whose values are values.
func mapOf(values obj, desc string) obj {
	s := typed("object", desc)
	s["additionalProperties"] = values
	return s
}

// nullable lets s be null too: ["string", "null"] for a plain type, anyOf with null for a $ref.
func nullable(s obj) obj {
	typ, ok := s["type"].(string)
	if !ok {
		return obj{"anyOf": []any{s, obj{"type": "null"}}}
	}
	s["type"] = []string{typ, "null"}
	if values, ok := s["enum"].([]string); ok {
		vs := make([]any, 0, len(values)+1)
		for _, v := range values {
			vs = append(vs, v)
		}
		s["enum"] = append(vs, nil)
	}
	return s
}

// object is an object with props, every one of them required but those named optional: a
// response field without omitempty is always there (null when it has no value).
func object(props obj, optional ...string) obj {
	for _, name := range optional {
		if _, ok := props[name]; !ok {
			panic(fmt.Sprintf("openapi: optional property %q is not a property", name))
		}
	}
	var required []string
	for name := range props {
		if !slices.Contains(optional, name) {
			required = append(required, name)
		}
	}
	slices.Sort(required)
	s := obj{"type": "object", "properties": props}
	if len(required) > 0 {
		s["required"] = required
	}
	return s
}

// extend returns props with more added: the properties of a bigger shape built on a smaller one.
func extend(props obj, more obj) obj {
	out := make(obj, len(props)+len(more))
	for k, v := range props {
		out[k] = v
	}
	for k, v := range more {
		out[k] = v
	}
	return out
}

// anyJSON is a value whose shape is the client's, such as an event payload.
func anyJSON(desc string) obj { return obj{"description": desc, freeFormKey: true} }
