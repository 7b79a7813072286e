package storetest

// controlTests are the conformance cases for store.Control.
var controlTests = []storeTest{}
