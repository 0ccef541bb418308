// Command mqtt is fence_espurna's library floor: the trivial binary plus net/http and the MQTT
// client (which links net/http and crypto/tls for its websocket and TLS brokers).
package main

import (
	"os"

	_ "github.com/eclipse/paho.mqtt.golang"
	_ "net/http"
)

func main() { os.Stdout.WriteString("floor\n") }
