package main

import (
	"bufio"
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// TestDecryptGuideReceivers runs the README's Node and Python receivers for encrypted
// deliveries as printed (only their port changed to a free one) against a real hookd: each
// prints the event it verified and opened, and refuses a delivery whose signature is wrong.
func TestDecryptGuideReceivers(t *testing.T) {
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	guide := string(readme[strings.Index(string(readme), "## Verifying and decrypting encrypted deliveries"):])
	block := func(heading, lang string) string {
		t.Helper()
		m := regexp.MustCompile("(?s)" + regexp.QuoteMeta(heading) + ".*?```" + lang + "\n(.*?)```").FindStringSubmatch(guide)
		if m == nil {
			t.Fatalf("README: no %s block after %q in the guide", lang, heading)
		}
		return m[1]
	}
	for _, c := range []struct {
		name, heading, lang, file string
		run                       func(t *testing.T, dir, file string) *exec.Cmd
	}{
		{"Node", "**Node**", "js", "receiver.mjs", func(t *testing.T, dir, file string) *exec.Cmd {
			if err := os.Symlink(nodeModulesWith(t, "jose"), filepath.Join(dir, "node_modules")); err != nil {
				t.Fatal(err)
			}
			return exec.Command(nodePath(t), file)
		}},
		{"Python", "**Python**", "python", "receiver.py", func(t *testing.T, dir, file string) *exec.Cmd {
			if err := exec.Command("python3", "-c", "import cryptography").Run(); err != nil {
				t.Skipf("python3 with cryptography is not available: %v", err)
			}
			return exec.Command("python3", "-u", file)
		}},
	} {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			ln, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			port := ln.Addr().(*net.TCPAddr).Port
			ln.Close()
			src := strings.Replace(block(c.heading, c.lang), "9000", fmt.Sprint(port), 1)
			if err := os.WriteFile(filepath.Join(dir, c.file), []byte(src), 0o644); err != nil {
				t.Fatal(err)
			}

			hd := t.TempDir()
			_, key := setup(t, "--data-dir", hd)
			h := serve(t, "--data-dir", hd, "--allow-network", loopback)
			cl := newClient(t, h.URL, key)
			url := fmt.Sprintf("http://127.0.0.1:%d/hook", port)
			hook := cl.must(201, "POST", "/api/v0/webhooks", map[string]any{"name": "sealed", "url": url, "encrypted": true})

			cmd := c.run(t, dir, c.file)
			cmd.Dir = dir
			cmd.Env = append(os.Environ(), "WEBHOOK_SECRET="+hook["signing_secret"].(string), "WEBHOOK_ENCRYPTION_KEY="+hook["encryption_key"].(string))
			stdout, err := cmd.StdoutPipe()
			if err != nil {
				t.Fatal(err)
			}
			var stderr strings.Builder
			cmd.Stderr = &stderr
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
			lines := make(chan string, 10)
			go func() {
				sc := bufio.NewScanner(stdout)
				for sc.Scan() {
					lines <- sc.Text()
				}
				close(lines)
			}()
			eventually(t, 10*time.Second, "the receiver listens", func() bool {
				conn, err := net.Dial("tcp", fmt.Sprintf("127.0.0.1:%d", port))
				if err == nil {
					conn.Close()
				}
				return err == nil
			})

			sent := cl.must(202, "POST", "/api/v0/events", map[string]any{"event_type": "invoice.paid", "payload": map[string]any{"invoice": "in_42"}})
			select {
			case line, ok := <-lines:
				if !ok || !strings.HasPrefix(line, sent["id"].(string)+" invoice.paid ") || !strings.Contains(line, "in_42") {
					t.Fatalf("the receiver printed %q (stderr %q), want the event %v it opened", line, stderr.String(), sent["id"])
				}
			case <-time.After(15 * time.Second):
				t.Fatalf("the receiver printed nothing in 15 s; stderr: %s", stderr.String())
			}
			// The same body under a signature that does not match is refused.
			req, _ := http.NewRequestWithContext(context.Background(), "POST", url, strings.NewReader("eyJhbGciOiJkaXIifQ..aaaa.bbbb.cccc"))
			req.Header.Set("webhook-id", "msg_forged")
			req.Header.Set("webhook-timestamp", fmt.Sprint(time.Now().Unix()))
			req.Header.Set("webhook-signature", "v1,AAAA")
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != 400 {
				t.Errorf("a forged delivery got %d, want 400", resp.StatusCode)
			}
		})
	}
}
