// deploycheck validates Recgraph's deployment files the way the real tools read them:
//
//	deploycheck k8s <rendered.yaml>     every object decoded strictly into the official
//	                                    Kubernetes API types (k8s.io/api): unknown or
//	                                    duplicate fields, unknown kinds and wrong types fail
//	deploycheck compose <compose.yml> [--env-file <file>] [--profile <name>]...
//	                                    loads the file with compose-go (the loader behind
//	                                    `docker compose config`: schema, interpolation,
//	                                    anchors and merges) and prints the resolved project
//	                                    as JSON
//
// Built by scripts/deploy/deploycheck.sh (cached under .infra, keyed by go.sum and this file).
package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/compose-spec/compose-go/v2/cli"
	appsv1 "k8s.io/api/apps/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	policyv1 "k8s.io/api/policy/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/serializer/json"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
)

func main() {
	if len(os.Args) < 3 {
		fail("usage: deploycheck k8s <rendered.yaml> | deploycheck compose <compose.yml> [--env-file f] [--profile p]...")
	}
	var err error
	switch os.Args[1] {
	case "k8s":
		err = checkKubernetes(os.Args[2])
	case "compose":
		err = renderCompose(os.Args[2], os.Args[3:])
	default:
		err = fmt.Errorf("unknown command %q", os.Args[1])
	}
	if err != nil {
		fail(err.Error())
	}
}

func fail(msg string) {
	fmt.Fprintln(os.Stderr, "deploycheck:", msg)
	os.Exit(1)
}

// The API groups Recgraph's manifests may use; anything else is an error.
func scheme() (*runtime.Scheme, error) {
	s := runtime.NewScheme()
	for _, add := range []func(*runtime.Scheme) error{
		corev1.AddToScheme, appsv1.AddToScheme, batchv1.AddToScheme, autoscalingv2.AddToScheme,
		policyv1.AddToScheme, networkingv1.AddToScheme, rbacv1.AddToScheme,
	} {
		if err := add(s); err != nil {
			return nil, err
		}
	}
	return s, nil
}

func checkKubernetes(path string) error {
	data, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	s, err := scheme()
	if err != nil {
		return err
	}
	// Strict: an unknown or duplicated field is an error, as `kubectl apply --validate=strict` makes it.
	decoder := json.NewSerializerWithOptions(json.DefaultMetaFactory, s, s, json.SerializerOptions{Yaml: true, Strict: true})
	reader := utilyaml.NewYAMLReader(bufio.NewReader(bytes.NewReader(data)))
	var problems []string
	count := 0
	for {
		doc, err := reader.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return err
		}
		if len(bytes.TrimSpace(doc)) == 0 || strings.TrimSpace(string(doc)) == "---" {
			continue
		}
		count++
		obj, gvk, err := decoder.Decode(doc, nil, nil)
		if err != nil {
			problems = append(problems, fmt.Sprintf("object %d: %v", count, err))
			continue
		}
		fmt.Printf("ok %s %s\n", gvk.GroupVersion().String()+"/"+gvk.Kind, name(obj))
	}
	if count == 0 {
		return fmt.Errorf("%s holds no objects", path)
	}
	if len(problems) > 0 {
		return fmt.Errorf("%d of %d objects invalid:\n  %s", len(problems), count, strings.Join(problems, "\n  "))
	}
	return nil
}

func name(obj runtime.Object) string {
	if m, ok := obj.(interface{ GetName() string }); ok {
		return m.GetName()
	}
	return "?"
}

func renderCompose(file string, args []string) error {
	var envFiles, profiles []string
	for i := 0; i < len(args); i++ {
		if i+1 >= len(args) {
			return fmt.Errorf("%s needs a value", args[i])
		}
		switch args[i] {
		case "--env-file":
			envFiles = append(envFiles, args[i+1])
		case "--profile":
			profiles = append(profiles, args[i+1])
		default:
			return fmt.Errorf("unknown option %q", args[i])
		}
		i++
	}
	abs, err := filepath.Abs(file)
	if err != nil {
		return err
	}
	opts := []cli.ProjectOptionsFn{cli.WithWorkingDirectory(filepath.Dir(abs)), cli.WithProfiles(profiles)}
	if len(envFiles) > 0 {
		opts = append(opts, cli.WithEnvFiles(envFiles...))
	}
	opts = append(opts, cli.WithDotEnv)
	options, err := cli.NewProjectOptions([]string{abs}, opts...)
	if err != nil {
		return err
	}
	project, err := options.LoadProject(context.Background())
	if err != nil {
		return err
	}
	out, err := project.MarshalJSON()
	if err != nil {
		return err
	}
	_, err = os.Stdout.Write(append(out, '\n'))
	return err
}
