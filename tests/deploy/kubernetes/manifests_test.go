// Package kubernetes checks the manifests in deploy/kubernetes: every overlay renders (kustomize,
// pinned in go.mod), every object decodes strictly into the Kubernetes API types (unknown or
// duplicate fields fail), and each service's objects keep the invariants the README promises.
package kubernetes

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"sigs.k8s.io/kustomize/api/krusty"
	"sigs.k8s.io/kustomize/kyaml/filesys"
	"sigs.k8s.io/yaml"
)

// objects is one rendered overlay, decoded.
type objects struct {
	namespaces  []corev1.Namespace
	configMaps  []corev1.ConfigMap
	services    []corev1.Service
	deployments []appsv1.Deployment
	budgets     []policyv1.PodDisruptionBudget
	autoscalers []autoscalingv2.HorizontalPodAutoscaler
}

func overlays(t *testing.T) []string {
	t.Helper()
	dirs, err := filepath.Glob("../../../deploy/kubernetes/overlays/*")
	if err != nil || len(dirs) == 0 {
		t.Fatalf("no overlays under deploy/kubernetes/overlays (%v)", err)
	}
	return dirs
}

// decode strictly decodes one object into the API type of its kind.
func decode(doc []byte, into *objects) error {
	var meta metav1.TypeMeta
	if err := yaml.Unmarshal(doc, &meta); err != nil {
		return err
	}
	strict := func(v any) error { return yaml.UnmarshalStrict(doc, v) }
	switch meta.APIVersion + " " + meta.Kind {
	case "v1 Namespace":
		var o corev1.Namespace
		if err := strict(&o); err != nil {
			return err
		}
		into.namespaces = append(into.namespaces, o)
	case "v1 ConfigMap":
		var o corev1.ConfigMap
		if err := strict(&o); err != nil {
			return err
		}
		into.configMaps = append(into.configMaps, o)
	case "v1 Service":
		var o corev1.Service
		if err := strict(&o); err != nil {
			return err
		}
		into.services = append(into.services, o)
	case "apps/v1 Deployment":
		var o appsv1.Deployment
		if err := strict(&o); err != nil {
			return err
		}
		into.deployments = append(into.deployments, o)
	case "policy/v1 PodDisruptionBudget":
		var o policyv1.PodDisruptionBudget
		if err := strict(&o); err != nil {
			return err
		}
		into.budgets = append(into.budgets, o)
	case "autoscaling/v2 HorizontalPodAutoscaler":
		var o autoscalingv2.HorizontalPodAutoscaler
		if err := strict(&o); err != nil {
			return err
		}
		into.autoscalers = append(into.autoscalers, o)
	default:
		return fmt.Errorf("kind %q of %q is not one this test knows; add it", meta.Kind, meta.APIVersion)
	}
	return nil
}

func render(t *testing.T, dir string) objects {
	t.Helper()
	resources, err := krusty.MakeKustomizer(krusty.MakeDefaultOptions()).Run(filesys.MakeFsOnDisk(), dir)
	if err != nil {
		t.Fatalf("kustomize %s: %v", dir, err)
	}
	var all objects
	for _, r := range resources.Resources() {
		doc, err := r.AsYAML()
		if err != nil {
			t.Fatalf("%s: %v", r.CurId(), err)
		}
		if err := decode(doc, &all); err != nil {
			t.Errorf("%s does not decode strictly: %v", r.CurId(), err)
		}
	}
	return all
}

func TestStrictDecodingRefusesUnknownFields(t *testing.T) {
	doc := []byte("apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: x}\nspec: {replica: 3}\n")
	if err := decode(doc, &objects{}); err == nil || !strings.Contains(err.Error(), "replica") {
		t.Fatalf("a misspelt field must fail decoding, got %v", err)
	}
}

// flag returns the value of --name=value in args, or "".
func flag(args []string, name string) string {
	for _, a := range args {
		if v, ok := strings.CutPrefix(a, "--"+name+"="); ok {
			return v
		}
	}
	return ""
}

func hasArg(args []string, want string) bool {
	for _, a := range args {
		if a == want {
			return true
		}
	}
	return false
}

func port(c corev1.Container, name string) int32 {
	for _, p := range c.Ports {
		if p.Name == name {
			return p.ContainerPort
		}
	}
	return 0
}

func duration(t *testing.T, args []string, name string) time.Duration {
	t.Helper()
	d, err := time.ParseDuration(flag(args, name))
	if err != nil {
		t.Errorf("--%s: %v", name, err)
	}
	return d
}

func TestOverlays(t *testing.T) {
	for _, dir := range overlays(t) {
		t.Run(filepath.Base(dir), func(t *testing.T) {
			all := render(t, dir)
			if len(all.deployments) != 2 {
				t.Fatalf("want a Deployment per service (2), got %d", len(all.deployments))
			}
			for _, d := range all.deployments {
				t.Run(d.Name, func(t *testing.T) { checkService(t, all, d) })
			}
		})
	}
}

func checkService(t *testing.T, all objects, d appsv1.Deployment) {
	pod := d.Spec.Template
	spec := pod.Spec
	selector := labels.Set(pod.Labels)
	if len(spec.Containers) != 1 {
		t.Fatalf("want one container, got %d", len(spec.Containers))
	}
	c := spec.Containers[0]

	// Restricted security context: non-root, read-only root, no capabilities, no escalation.
	psc := spec.SecurityContext
	if psc == nil || psc.RunAsNonRoot == nil || !*psc.RunAsNonRoot || psc.RunAsUser == nil || *psc.RunAsUser == 0 {
		t.Errorf("the pod must run as a numeric non-root user (runAsNonRoot, runAsUser > 0)")
	}
	if psc != nil && psc.RunAsUser != nil && fmt.Sprint(*psc.RunAsUser) != imageUser(t) {
		t.Errorf("runAsUser %d is not the image's USER %s (deploy/Containerfile)", *psc.RunAsUser, imageUser(t))
	}
	if psc == nil || psc.SeccompProfile == nil || psc.SeccompProfile.Type != corev1.SeccompProfileTypeRuntimeDefault {
		t.Errorf("the pod needs seccompProfile RuntimeDefault")
	}
	sc := c.SecurityContext
	switch {
	case sc == nil:
		t.Errorf("the container has no securityContext")
	default:
		if sc.ReadOnlyRootFilesystem == nil || !*sc.ReadOnlyRootFilesystem {
			t.Errorf("the root file system must be read-only")
		}
		if sc.AllowPrivilegeEscalation == nil || *sc.AllowPrivilegeEscalation {
			t.Errorf("allowPrivilegeEscalation must be false")
		}
		if sc.Privileged != nil && *sc.Privileged {
			t.Errorf("the container must not be privileged")
		}
		if sc.Capabilities == nil || len(sc.Capabilities.Add) != 0 ||
			len(sc.Capabilities.Drop) != 1 || sc.Capabilities.Drop[0] != "ALL" {
			t.Errorf("capabilities must drop ALL and add none, got %+v", sc.Capabilities)
		}
	}

	// Probes on the admin listener, which is where --admin-listen says.
	admin := port(c, "admin")
	if admin == 0 || !strings.HasSuffix(flag(c.Args, "admin-listen"), fmt.Sprintf(":%d", admin)) {
		t.Errorf("the admin port %d is not where --admin-listen=%q listens", admin, flag(c.Args, "admin-listen"))
	}
	// The server refuses a non-loopback admin listener without --allow-public-admin.
	if !strings.HasPrefix(flag(c.Args, "admin-listen"), "127.") && !hasArg(c.Args, "--allow-public-admin") {
		t.Errorf("--admin-listen=%q is not loopback: the server needs --allow-public-admin", flag(c.Args, "admin-listen"))
	}
	for name, probe := range map[string]*corev1.Probe{"/readyz": c.ReadinessProbe, "/livez": c.LivenessProbe} {
		if probe == nil || probe.HTTPGet == nil || probe.HTTPGet.Path != name ||
			(probe.HTTPGet.Port.StrVal != "admin" && probe.HTTPGet.Port.IntVal != admin) {
			t.Errorf("want an HTTP probe of %s on the admin port, got %+v", name, probe)
		}
	}

	// Termination grace longer than the lame-duck delay plus the drain.
	delay, drain := duration(t, c.Args, "shutdown-delay"), duration(t, c.Args, "shutdown-grace")
	if spec.TerminationGracePeriodSeconds == nil ||
		time.Duration(*spec.TerminationGracePeriodSeconds)*time.Second <= delay+drain {
		t.Errorf("terminationGracePeriodSeconds must exceed --shutdown-delay (%v) + --shutdown-grace (%v)", delay, drain)
	}

	// Requests and limits for CPU and memory, requests within limits.
	for _, name := range []corev1.ResourceName{corev1.ResourceCPU, corev1.ResourceMemory} {
		req, okReq := c.Resources.Requests[name]
		lim, okLim := c.Resources.Limits[name]
		if !okReq || !okLim || req.Cmp(lim) > 0 {
			t.Errorf("%s: want a request within a limit, got %v / %v", name, req.String(), lim.String())
		}
	}
	// The measured worst case (58 MiB under the slow-reader attack) fits the memory limit.
	if lim := c.Resources.Limits[corev1.ResourceMemory]; lim.Cmp(resource.MustParse("64Mi")) < 0 {
		t.Errorf("memory limit %v is below the measured 58 MiB peak", lim.String())
	}

	// Metrics annotated for scraping, on the admin port.
	if pod.Annotations["prometheus.io/scrape"] != "true" || pod.Annotations["prometheus.io/port"] != fmt.Sprint(admin) {
		t.Errorf("the pod must be annotated for scraping on port %d, got %v", admin, pod.Annotations)
	}

	// Volumes: the data from a ConfigMap under --data; the auth file and TLS keys from Secrets.
	mounts := map[string]string{}
	for _, m := range c.VolumeMounts {
		if !m.ReadOnly {
			t.Errorf("volume %s must be mounted read-only", m.Name)
		}
		mounts[m.Name] = m.MountPath
	}
	under := func(file, volume string) bool {
		dir, ok := mounts[volume]
		return ok && file != "" && strings.HasPrefix(file, dir+"/")
	}
	sawConfigMap := false
	for _, v := range spec.Volumes {
		switch {
		case v.ConfigMap != nil:
			cm := find(all.configMaps, v.ConfigMap.Name)
			if cm == nil {
				t.Errorf("volume %s: ConfigMap %s is not in the overlay", v.Name, v.ConfigMap.Name)
			} else if _, ok := cm.Data["manifest.toml"]; !ok {
				t.Errorf("ConfigMap %s holds no manifest.toml (the server refuses such data)", cm.Name)
			}
			if data := flag(c.Args, "data"); data == "" || !strings.HasPrefix(mounts[v.Name], data+"/") {
				t.Errorf("ConfigMap volume %s is mounted at %s, not under --data=%s", v.Name, mounts[v.Name], flag(c.Args, "data"))
			}
			sawConfigMap = true
		case v.Secret != nil:
			if _, ok := mounts[v.Name]; !ok {
				t.Errorf("Secret volume %s is not mounted", v.Name)
			}
		}
	}
	if !sawConfigMap {
		t.Errorf("no ConfigMap volume for the data")
	}
	secretOf := func(volume string) string {
		for _, v := range spec.Volumes {
			if v.Name == volume && v.Secret != nil {
				return v.Secret.SecretName
			}
		}
		return ""
	}
	for flagName, volume := range map[string]string{"auth-file": "auth", "tls-cert": "tls", "tls-key": "tls", "tls-client-ca": "tls"} {
		if !under(flag(c.Args, flagName), volume) || secretOf(volume) == "" {
			t.Errorf("--%s=%s must be a file of the Secret volume %q", flagName, flag(c.Args, flagName), volume)
		}
	}

	// A headless Service, a PodDisruptionBudget and a CPU autoscaler for these pods.
	headless := false
	for _, s := range all.services {
		if labels.SelectorFromSet(s.Spec.Selector).Matches(selector) && s.Spec.ClusterIP == corev1.ClusterIPNone &&
			len(s.Spec.Ports) == 1 && s.Spec.Ports[0].Port == port(c, "grpc") {
			headless = true
		}
	}
	if !headless {
		t.Errorf("no headless Service (clusterIP None) selects these pods on the gRPC port")
	}
	budget := false
	for _, b := range all.budgets {
		s, err := metav1.LabelSelectorAsSelector(b.Spec.Selector)
		if err == nil && s.Matches(selector) && (b.Spec.MaxUnavailable != nil || b.Spec.MinAvailable != nil) {
			budget = true
		}
	}
	if !budget {
		t.Errorf("no PodDisruptionBudget selects these pods")
	}
	cpu := false
	for _, h := range all.autoscalers {
		if h.Spec.ScaleTargetRef.Kind != "Deployment" || h.Spec.ScaleTargetRef.Name != d.Name {
			continue
		}
		for _, m := range h.Spec.Metrics {
			if m.Type == autoscalingv2.ResourceMetricSourceType && m.Resource != nil && m.Resource.Name == corev1.ResourceCPU {
				cpu = true
			}
		}
		if h.Spec.MinReplicas == nil || *h.Spec.MinReplicas < 2 {
			t.Errorf("the autoscaler must keep at least 2 replicas")
		}
	}
	if !cpu {
		t.Errorf("no HorizontalPodAutoscaler on CPU scales %s", d.Name)
	}
}

// imageUser is the numeric user of deploy/Containerfile's USER line.
func imageUser(t *testing.T) string {
	t.Helper()
	text, err := os.ReadFile("../../../deploy/Containerfile")
	if err != nil {
		t.Fatalf("reading the Containerfile: %v", err)
	}
	for _, line := range strings.Split(string(text), "\n") {
		if user, ok := strings.CutPrefix(line, "USER "); ok {
			uid, _, _ := strings.Cut(strings.TrimSpace(user), ":")
			return uid
		}
	}
	t.Fatalf("deploy/Containerfile has no USER line")
	return ""
}

func find(maps []corev1.ConfigMap, name string) *corev1.ConfigMap {
	for i := range maps {
		if maps[i].Name == name {
			return &maps[i]
		}
	}
	return nil
}
