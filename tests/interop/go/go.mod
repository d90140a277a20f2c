module llmarket.test/interop/go

go 1.26.0

require (
	golang.org/x/oauth2 v0.36.0
	google.golang.org/genproto/googleapis/rpc v0.0.0-20261104224025-d1e00e9f33ab
	google.golang.org/grpc v1.84.0
	llmarket.dev/go v0.2.0
)

require (
	cloud.google.com/go/compute/metadata v0.9.0 // indirect
	golang.org/x/net v0.61.0 // indirect
	golang.org/x/sys v0.49.0 // indirect
	golang.org/x/text v0.43.0 // indirect
	google.golang.org/genproto v0.0.0-20261110000943-09e21b237f2c // indirect
	google.golang.org/genproto/googleapis/api v0.0.0-20261104224025-d1e00e9f33ab // indirect
	google.golang.org/protobuf v1.36.12 // indirect
)

// The module from this checkout, as a user of a local checkout consumes it (without the replace,
// `go get llmarket.dev/go` once it is published).
replace llmarket.dev/go => ../../../clients/go
