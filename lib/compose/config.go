package compose

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"
)

// Service is what the agent needs of one service's resolved configuration.
type Service struct {
	Name          string
	Image         string
	Restart       string // "", "no", "always", "unless-stopped", "on-failure[:N]"
	Healthcheck   bool   // a healthcheck that is not disabled
	ContainerName string
}

// Resurrects reports a restart policy under which dockerd starts the container again by itself
// after a reboot or a daemon restart, outside the cluster's control.
func (s Service) Resurrects() bool { return s.Restart == "always" || s.Restart == "unless-stopped" }

// Config is a project's resolved configuration.
type Config struct{ Services []Service }

// Names are the service names, sorted.
func (c Config) Names() []string {
	out := make([]string, len(c.Services))
	for i, s := range c.Services {
		out[i] = s.Name
	}
	return out
}

// Service looks a service up by name.
func (c Config) Service(name string) (Service, bool) {
	for _, s := range c.Services {
		if s.Name == name {
			return s, true
		}
	}
	return Service{}, false
}

func (c *Config) sort() {
	sort.Slice(c.Services, func(i, j int) bool { return c.Services[i].Name < c.Services[j].Name })
}

// parseJSONConfig reads `docker compose config --format json` (v2).
func parseJSONConfig(b []byte) (Config, error) {
	var raw struct {
		Services map[string]struct {
			Image         string `json:"image"`
			Restart       string `json:"restart"`
			ContainerName string `json:"container_name"`
			Healthcheck   *struct {
				Disable bool     `json:"disable"`
				Test    []string `json:"test"`
			} `json:"healthcheck"`
		} `json:"services"`
	}
	if err := json.Unmarshal(b, &raw); err != nil {
		return Config{}, fmt.Errorf("unreadable compose config: %v", err)
	}
	var c Config
	for name, s := range raw.Services {
		hc := s.Healthcheck != nil && !s.Healthcheck.Disable && !(len(s.Healthcheck.Test) > 0 && s.Healthcheck.Test[0] == "NONE")
		c.Services = append(c.Services, Service{Name: name, Image: s.Image, Restart: s.Restart, ContainerName: s.ContainerName, Healthcheck: hc})
	}
	if len(c.Services) == 0 {
		return Config{}, fmt.Errorf("the compose config has no services")
	}
	c.sort()
	return c, nil
}

// parseYAMLConfig reads the canonical YAML that `docker-compose config` (v1) prints: block
// style, one key per line, services at one indent and their keys at the next. It reads only the
// scalar keys it needs and whether a healthcheck is there, which is all this format guarantees
// us without a YAML library; anything else under a service is skipped by its indentation.
func parseYAMLConfig(b []byte) (Config, error) {
	var c Config
	var cur *Service
	in, svcIndent, keyIndent := false, -1, -1
	var hc map[string]string // the current service's healthcheck scalars
	var inHC bool
	hcIndent, hcKey := -1, ""
	flush := func() {
		if cur != nil {
			cur.Healthcheck = hc != nil && hc["disable"] != "true" && hc["test"] != "NONE"
			c.Services = append(c.Services, *cur)
		}
		cur, hc, inHC = nil, nil, false
	}
	for _, line := range strings.Split(string(b), "\n") {
		trimmed := strings.TrimSpace(line)
		if trimmed == "" || strings.HasPrefix(trimmed, "#") {
			continue
		}
		indent := len(line) - len(strings.TrimLeft(line, " "))
		if indent == 0 {
			flush()
			in = trimmed == "services:"
			continue
		}
		if !in {
			continue
		}
		if svcIndent < 0 {
			svcIndent = indent
		}
		key, val, _ := strings.Cut(trimmed, ":")
		val = unquote(strings.TrimSpace(val))
		switch {
		case indent < svcIndent:
			return Config{}, fmt.Errorf("unreadable compose config: unexpected indentation at %q", trimmed)
		case indent == svcIndent:
			flush()
			cur, keyIndent = &Service{Name: unquote(key)}, -1
		case cur == nil:
			return Config{}, fmt.Errorf("unreadable compose config: %q outside a service", trimmed)
		default:
			if keyIndent < 0 {
				keyIndent = indent
			}
			switch {
			case indent == keyIndent:
				inHC = key == "healthcheck"
				switch key {
				case "image":
					cur.Image = val
				case "restart":
					cur.Restart = val
				case "container_name":
					cur.ContainerName = val
				case "healthcheck":
					hc, hcIndent, hcKey = map[string]string{}, -1, ""
				}
			case inHC:
				if hcIndent < 0 {
					hcIndent = indent
				}
				// PyYAML writes a list at its key's own indentation: "test:" then "- NONE".
				switch item, isItem := strings.CutPrefix(trimmed, "- "); {
				case isItem && hcKey == "test" && hc["test"] == "":
					hc["test"] = unquote(item)
				case !isItem && indent == hcIndent:
					hc[key], hcKey = val, key
				}
			}
		}
	}
	flush()
	if len(c.Services) == 0 {
		return Config{}, fmt.Errorf("the compose config has no services")
	}
	c.sort()
	return c, nil
}

func unquote(s string) string {
	if len(s) >= 2 && (s[0] == '\'' && s[len(s)-1] == '\'' || s[0] == '"' && s[len(s)-1] == '"') {
		return s[1 : len(s)-1]
	}
	return s
}

// kept is what a recording keeps of a config's output: the parsed configuration printed again in
// the format it came in, which parses to the same.
func kept(parse func([]byte) (Config, error), print func(Config) []byte) func([]byte) []byte {
	return func(b []byte) []byte {
		c, err := parse(b)
		if err != nil {
			return nil
		}
		return print(c)
	}
}

func (c Config) jsonText() []byte {
	type hc struct {
		Test []string `json:"test"`
	}
	type svc struct {
		Image         string `json:"image,omitempty"`
		Restart       string `json:"restart,omitempty"`
		ContainerName string `json:"container_name,omitempty"`
		Healthcheck   *hc    `json:"healthcheck,omitempty"`
	}
	out := struct {
		Services map[string]svc `json:"services"`
	}{Services: map[string]svc{}}
	for _, s := range c.Services {
		v := svc{Image: s.Image, Restart: s.Restart, ContainerName: s.ContainerName}
		if s.Healthcheck {
			v.Healthcheck = &hc{Test: []string{"CMD"}} // the command itself may hold a password
		}
		out.Services[s.Name] = v
	}
	b, _ := json.Marshal(out)
	return b
}

func (c Config) yamlText() []byte {
	var b strings.Builder
	b.WriteString("services:\n")
	for _, s := range c.Services {
		fmt.Fprintf(&b, "  %s:\n", s.Name)
		for _, kv := range [][2]string{{"container_name", s.ContainerName}, {"image", s.Image}, {"restart", s.Restart}} {
			if kv[1] != "" {
				fmt.Fprintf(&b, "    %s: '%s'\n", kv[0], kv[1])
			}
		}
		if s.Healthcheck {
			b.WriteString("    healthcheck:\n      test:\n      - CMD\n")
		}
	}
	return []byte(b.String())
}
