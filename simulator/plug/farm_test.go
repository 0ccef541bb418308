package plug

import (
	"errors"
	"strconv"
	"syscall"
	"testing"
)

func TestFarm(t *testing.T) {
	ips := []string{FarmIP(0), FarmIP(1), FarmIP(2)}
	port, err := FreePort(ips...)
	if err != nil {
		t.Fatal(err)
	}
	f, err := NewFarm(3, port, func(i int) Config {
		return Config{Dialect: V2, APIKey: key, InitialOn: i != 1}
	})
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()

	addrs := f.Addrs()
	if len(addrs) != 3 || addrs[0] != FarmIP(0)+":"+strconv.Itoa(port) {
		t.Fatalf("addrs %v", addrs)
	}
	hk := map[string]string{"Api-Key": key}
	want := []string{"1", "0", "1"}
	for i, a := range addrs {
		expect(t, do(t, "GET", "http://"+a+"/api/relay/0", nil, hk), 200, want[i])
	}
	expect(t, do(t, "PUT", "http://"+addrs[2]+"/api/relay/0", form("value", "0"), hk), 200, "0")
	expectRelay(t, f.Plug(2), false, false)
	expectRelay(t, f.Plug(0), true, true)

	f.Plug(0).Crash()
	if _, err := doErr(t.Context(), "GET", "http://"+addrs[0]+"/api/relay/0", nil, hk); !errors.Is(err, syscall.ECONNREFUSED) {
		t.Fatalf("crashed plug: %v", err)
	}
	expect(t, do(t, "GET", "http://"+addrs[1]+"/api/relay/0", nil, hk), 200, "0")
}
