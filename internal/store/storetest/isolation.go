package storetest

// isolationTests check that one tenant's odd input or receiver never fails, delays or
// duplicates another's deliveries.
var isolationTests = []storeTest{}
