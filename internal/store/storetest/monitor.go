package storetest

// monitorTests are the conformance cases for store.Monitor.
var monitorTests = []storeTest{}
