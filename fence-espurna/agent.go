package main

import (
	"github.com/isard-vdi/flock-agents/agents/fence"
	"github.com/isard-vdi/flock-agents/agents/param"
	"github.com/isard-vdi/flock-agents/lib/sysio/httpio"
	"github.com/isard-vdi/flock-agents/lib/sysio/mqttio"
)

var agent = &fence.Agent{
	Name:  "fence_espurna",
	Short: "Fence agent for ESPurna smart plugs (HTTP API or MQTT)",
	Long: `fence_espurna is a power fencing agent for smart plugs running ESPurna firmware, such as the Teckin SP22 used by Isard Flock. It switches the plug relay that feeds a node and only reports the node off once every plug of that node has been confirmed off. Off and on switch first and read back once, after power_wait: two requests a plug, reboot four (a switch fails where a first read would: over HTTP its answer must be the state asked for). Over HTTP an off is read back no sooner than 3.5 s after the switch (ESPurna's 3 s flood window, in which the relay may not have changed yet, and its main loop), and status and list-status read an off again as late before printing it; a reboot then keeps the power off one second more. On reads a node of several plugs first, and leaves it alone when any is on, as fence-agents does.
.P
A plug is HOST[:RELAY]: a host name, IPv4 address or [IPv6] address, and a relay id (default 0, the only relay of a Teckin SP22). One device can serve a whole cluster with pcmk_host_map="node1:plug1.lan;node2:plug2.lan". A node fed by several plugs (dual power supplies) lists them all, separated by commas: every one is switched off together and each is confirmed. A bare number is a relay of the plug at ip (or, with plug_addressing=host-offset, the plug at ip + number, as the original isard-flock agent addressed plugs).
.P
Over HTTP every firmware generation is spoken: up to 1.13.2 (writes with GET), 1.13.3 to 1.14.x (writes with PUT, API key in the form body) and 1.15-dev (Api-Key header, text/plain only); api_version=auto needs no probe: it sends every request as a PUT with the key in the Api-Key header and the form body, which 1.13.3 and later all read (a read is a PUT without a value, which switches nothing and answers the state: one round trip on every firmware). HTTP reads return the relay's target state; with MQTT, confirmation comes only from a relay state message the plug publishes after the command, never from a retained one, and a plug whose last will says offline fails at once.
.P
With power_off_threshold set, the plug's power meter must also read at most that many watts before off is reported. Stock ESPurna reports its meter about once a minute (snsRealTime/apiRealTime off), so either enable real-time reporting on the plug or give the fence action time for it (power_timeout and pcmk_off_timeout).`,
	VendorURL: "https://github.com/xoseperez/espurna",
	Options:   []string{"ip", "plug", "username", "password", "ssl"},
	Required:  []string{"plug"},
	Defaults:  map[string]string{"power_wait": "1", "shell_timeout": "5"},
	Params:    params,
	Open:      open,
	Validate:  validate,
	HTTP:      httpio.New,
	MQTT:      mqttio.New,
}

// A Teckin SP22 switches at most 10 A (2.3 kW); a negative threshold would silently disable the meter check.
var wattsMin, wattsMax = param.Bounds(0, 100000)

var params = []param.Param{
	{Name: "transport", Kind: param.Select, Choices: []string{"http", "mqtt"}, Default: "http",
		ValueName: "transport", Short: "How to reach the plugs: http (the plug's API) or mqtt (through a broker)"},
	{Name: "apikey", ValueName: "key", Secret: true,
		Short: "ESPurna HTTP API key (Admin > API on the plug). Falls back to password when unset"},
	{Name: "apikey_script", ValueName: "script",
		Short: "Script to run (without a shell) whose output is the HTTP API key"},
	{Name: "api_version", Kind: param.Select, Choices: []string{"auto", "legacy", "rest", "v2"}, Default: "auto",
		ValueName: "version", Short: "HTTP API dialect: legacy (firmware <= 1.13.2 or apiRestFul=0), rest (1.13.3 - 1.14.x), v2 (1.15-dev), auto (requests every firmware from 1.13.3 reads alike)"},
	{Name: "plug_addressing", Kind: param.Select, Choices: []string{"relay", "host-offset"}, Default: "relay",
		ValueName: "mode", Short: "Meaning of a bare number as plug: a relay of the plug at ip, or (host-offset) relay 0 of the plug at ip + number"},
	{Name: "plugs", ValueName: "list",
		Short: "Plugs this device serves, for list, list-status and monitor: NODE=HOST[:RELAY] or HOST[:RELAY] entries separated by spaces or semicolons (a dual-PSU node lists its plugs separated by commas); a NODE name given as plug is resolved here"},
	{Name: "ca_file", ValueName: "file", Short: "CA certificate (PEM) to verify the plugs' HTTPS or the broker's TLS certificate"},
	{Name: "mqtt_broker", ValueName: "url", Short: "MQTT broker URL: tcp://host:1883, ssl://host:8883 or ws://host:port/path"},
	{Name: "mqtt_topic", ValueName: "template", Default: "{host}",
		Short: "Root topic of a plug; {host} is the plug's host as given (ESPurna's default root topic is its hostname); required when the device serves several plugs"},
	{Name: "mqtt_client_cert", ValueName: "file", Short: "Client certificate (PEM) for the MQTT broker"},
	{Name: "mqtt_client_key", ValueName: "file", Short: "Client key (PEM) for the MQTT broker"},
	{Name: "power_off_threshold", Kind: param.Integer, ValueName: "watts", Default: "0", Min: wattsMin, Max: wattsMax,
		Short: "Also require the plug's power meter to read at most this many watts before reporting off (0 disables)"},
}
