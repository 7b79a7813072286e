package storetest

// securityTests are the conformance cases for store.Security.
var securityTests = []storeTest{}
