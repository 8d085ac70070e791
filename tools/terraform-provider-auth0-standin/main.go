// Command terraform-provider-auth0 is a STAND-IN for the real auth0/auth0 Terraform provider,
// used only by `npm run verify:terraform` to validate and plan offline.
//
// Why a stand-in: the Go module proxy refuses github.com/auth0/terraform-provider-auth0 (403 for
// every version), so the real provider cannot be built here. This program serves the schema of
// exactly the resources this project writes (auth0_resource_server, auth0_client,
// auth0_client_credentials, auth0_client_grant) and the provider settings, transcribed by hand
// from the real provider's source at PinnedVersion (file paths in each file's comments). It uses
// the same plugin SDK (terraform-plugin-sdk/v2 v2.40.1) as that release, so validation and
// planning follow the same rules: types, required/optional/computed, ForceNew, MaxItems, the
// value checks (StringInSlice, lengths) and the CustomizeDiff rules of the real resources.
//
// It never talks to Auth0: Create/Update answer an error, so it can plan but never apply.
// Nested blocks of auth0_client and auth0_resource_server that this project never sets are not
// transcribed (listed in client.go and resource_server.go); every top-level attribute is.
package main

import (
	"github.com/hashicorp/terraform-plugin-sdk/v2/plugin"
)

// PinnedVersion is the auth0/auth0 release whose schema this stand-in transcribes.
const PinnedVersion = "1.55.0"

func main() {
	plugin.Serve(&plugin.ServeOpts{ProviderFunc: New})
}
