package build

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// fetchExpr is a builtin:cairn-fetchurl derivation of url with the flat
// sha256 sum.
func fetchExpr(url, sum string) string {
	return fmt.Sprintf(`{ f = derivation { name = "p.deb"; system = "builtin"; builder = "builtin:cairn-fetchurl";
  url = %q; outputHashMode = "flat"; outputHashAlgo = "sha256"; outputHash = %q; }; }`, url, sum)
}

// TestDownloadCache: a download is added to the download cache; a
// second store gets the file from the cache, without the network (the
// server is gone), with the same path content and content address; a
// cached file with the wrong content is not used.
func TestDownloadCache(t *testing.T) {
	needRoot(t)
	const body = "the content of a package\n"
	var hits int
	var mu sync.Mutex
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		hits++
		mu.Unlock()
		w.Write([]byte(body))
	}))
	s := sha256.Sum256([]byte(body))
	sum := hex.EncodeToString(s[:])
	cache := t.TempDir()
	expr := fetchExpr(srv.URL+"/p.deb", sum)

	realise := func(st interface{ RealPath(string) string }, b *Builder, drv string) string {
		t.Helper()
		res, err := b.Realise(context.Background(), []string{drv})
		if err != nil {
			t.Fatal(err)
		}
		out := res[drv]["out"]
		if data, err := os.ReadFile(st.RealPath(out)); err != nil || string(data) != body {
			t.Fatalf("output %q %v", data, err)
		}
		return out
	}
	st1 := openStore(t, t.TempDir())
	drv := instantiate(t, st1, t.TempDir(), expr)["f"]
	out := realise(st1, newBuilder(t, Options{Store: st1, Downloads: cache}), drv)
	cached := filepath.Join(cache, "by-hash", "SHA256", sum)
	if data, err := os.ReadFile(cached); err != nil || string(data) != body {
		t.Fatalf("the download cache has %q, %v", data, err)
	}
	srv.Close()

	st2 := openStore(t, t.TempDir())
	drv2 := instantiate(t, st2, t.TempDir(), expr)["f"]
	if out2 := realise(st2, newBuilder(t, Options{Store: st2, Downloads: cache}), drv2); out2 != out {
		t.Fatalf("paths %s and %s", out, out2)
	}
	if hits != 1 {
		t.Errorf("the server was asked %d times, want once", hits)
	}
	i1, err := st1.QueryPathInfo(out)
	if err != nil {
		t.Fatal(err)
	}
	i2, err := st2.QueryPathInfo(out)
	if err != nil {
		t.Fatal(err)
	}
	if !i1.NarHash.Equal(i2.NarHash) || i1.CA != i2.CA || i2.CA == "" {
		t.Errorf("downloaded: %s %s; from the cache: %s %s", i1.NarHash, i1.CA, i2.NarHash, i2.CA)
	}

	// A cached file with other content is ignored: the build downloads,
	// and here fails, as the server is gone.
	if err := os.WriteFile(cached, []byte("tampered\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	st3 := openStore(t, t.TempDir())
	drv3 := instantiate(t, st3, t.TempDir(), expr)["f"]
	_, err = newBuilder(t, Options{Store: st3, Downloads: cache}).Realise(context.Background(), []string{drv3})
	if err == nil || !strings.Contains(err.Error(), "builtin:cairn-fetchurl") {
		t.Fatalf("got %v, want the download to fail", err)
	}
	if ok, _ := st3.IsValid(out); ok {
		t.Error("registered a path from a tampered cached file")
	}
}

// TestSlotOrder: with the one slot taken, the builds waiting get it
// heaviest first, equal weights in the order they came.
func TestSlotOrder(t *testing.T) {
	s := newSlots(1)
	ctx := context.Background()
	slot, err := s.acquire(ctx, 0)
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var order []string
	var wg sync.WaitGroup
	for i, w := range []struct {
		name   string
		weight int64
	}{{"a", 1}, {"b", 5}, {"c", 3}, {"d", 5}} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			slot, err := s.acquire(ctx, w.weight)
			if err != nil {
				t.Error(err)
				return
			}
			mu.Lock()
			order = append(order, w.name)
			mu.Unlock()
			s.release(slot)
		}()
		// Each waits before the next comes.
		for {
			s.mu.Lock()
			n := len(s.waiting)
			s.mu.Unlock()
			if n == i+1 {
				break
			}
			time.Sleep(time.Millisecond)
		}
	}
	s.release(slot)
	wg.Wait()
	if got := strings.Join(order, ""); got != "bdca" {
		t.Errorf("order %s, want bdca", got)
	}
	// A cancelled wait gives nothing up and takes nothing.
	slot, _ = s.acquire(ctx, 0)
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := s.acquire(cctx, 1); err == nil {
		t.Error("a cancelled acquire got a slot")
	}
	s.release(slot)
	if len(s.free) != 1 || len(s.waiting) != 0 {
		t.Errorf("free %v, waiting %d", s.free, len(s.waiting))
	}
}
