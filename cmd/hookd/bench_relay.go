package main

import (
	"bytes"
	"io"
	"net"
	"net/http"
	"time"
)

// benchRelay is the least any webhook forwarder built on net/http can do per event: take a
// POST, post its body on to the receiver, answer 202. No storage, no signing, no retries.
// Its throughput is the ceiling for a service that makes two HTTP exchanges per event on
// this machine, which is what hookd is compared with besides the raw ceiling.
type benchRelay struct {
	url    string
	srv    *http.Server
	client *http.Client
	target string
}

func startRelay(target string, conc int) (*benchRelay, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	t := &http.Transport{MaxIdleConns: conc * 2, MaxIdleConnsPerHost: conc * 2, IdleConnTimeout: time.Minute, DisableCompression: true}
	r := &benchRelay{url: "http://" + ln.Addr().String(), client: &http.Client{Transport: t, Timeout: time.Minute}, target: target}
	r.srv = &http.Server{Handler: r, ReadHeaderTimeout: 10 * time.Second}
	go labeled("relay", func() { _ = r.srv.Serve(ln) })
	return r, nil
}

func (r *benchRelay) close() {
	_ = r.srv.Close()
	r.client.CloseIdleConnections()
}

func (r *benchRelay) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	body, err := io.ReadAll(req.Body)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	out, err := http.NewRequestWithContext(req.Context(), http.MethodPost, r.target, bytes.NewReader(body))
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	out.Header.Set("Content-Type", "application/json")
	resp, err := r.client.Do(out)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadGateway)
		return
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		http.Error(w, "receiver answered "+resp.Status, http.StatusBadGateway)
		return
	}
	w.WriteHeader(http.StatusAccepted)
}
