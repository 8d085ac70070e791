// Command trivy-iac runs trivy's Terraform misconfiguration scanning (the engine behind
// `trivy config`) with the checks trivy embeds from github.com/aquasecurity/trivy-checks,
// offline, and prints every failed check as one JSON array of trivy's own flattened results,
// each with the path it was found in.
//
// Each argument is either a Terraform plan in JSON (`tofu show -json <plan>`, a path ending in
// .json), scanned as `trivy config plan.json` does (pkg/iac/scanners/terraformplan/tfjson), or a
// directory of configuration, scanned as `trivy config <dir>` does
// (pkg/iac/scanners/terraform). verify:terraform scans plans: trivy's reading of *.tf.json does
// not see nested blocks written as JSON objects (a `versioning_configuration { status =
// "Enabled" }` reads as absent), while a plan holds every value resolved, per instance.
//
// Why not the trivy CLI itself: `cmd/trivy` is 3,078 Go packages (vulnerability databases,
// container runtimes, Kubernetes clients); these scanners and the checks are about 1,370, which a
// CI run on two cores can build. The scanning code and the checks are trivy's own.
//
// Exit status 0 whether or not checks failed (the caller judges findings against its
// suppressions); 2 when an argument cannot be scanned.
package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/aquasecurity/trivy/pkg/iac/rego"
	"github.com/aquasecurity/trivy/pkg/iac/scan"
	"github.com/aquasecurity/trivy/pkg/iac/scanners/options"
	"github.com/aquasecurity/trivy/pkg/iac/scanners/terraform"
	"github.com/aquasecurity/trivy/pkg/iac/scanners/terraformplan/tfjson"
)

type finding struct {
	Path string `json:"path"`
	// ID is the check's id (AWS-0089), which trivy's flattened form leaves empty.
	ID string `json:"id"`
	scan.FlatResult
}

func checks() []options.ScannerOption {
	return []options.ScannerOption{rego.WithEmbeddedPolicies(true), rego.WithEmbeddedLibraries(true)}
}

func scanPath(ctx context.Context, path string) (scan.Results, error) {
	if strings.HasSuffix(path, ".json") {
		return tfjson.New(checks()...).ScanFile(ctx, filepath.Base(path), os.DirFS(filepath.Dir(path)))
	}
	scanner := terraform.New(append(checks(), terraform.ScannerWithAllDirectories(true), terraform.ScannerWithStopOnHCLError(true))...)
	return scanner.ScanFS(ctx, os.DirFS(path), ".")
}

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: trivy-iac <plan.json | dir>...")
		os.Exit(2)
	}
	findings := []finding{}
	for _, path := range os.Args[1:] {
		results, err := scanPath(context.Background(), path)
		if err != nil {
			fmt.Fprintf(os.Stderr, "trivy-iac: %s: %v\n", path, err)
			os.Exit(2)
		}
		for _, result := range results.GetFailed() {
			findings = append(findings, finding{Path: path, ID: result.Rule().ID, FlatResult: result.Flatten()})
		}
	}
	out := json.NewEncoder(os.Stdout)
	out.SetIndent("", "  ")
	if err := out.Encode(findings); err != nil {
		fmt.Fprintf(os.Stderr, "trivy-iac: %v\n", err)
		os.Exit(2)
	}
}
