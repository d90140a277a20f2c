package main

import (
	"context"
	"fmt"
	"os"
	"sync/atomic"
	"time"

	"golang.org/x/oauth2"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/credentials/oauth"
	"google.golang.org/grpc/stats"
	"google.golang.org/grpc/status"

	llmarket "llmarket.dev/go"
	forecastpb "llmarket.dev/go/llmarket/forecast/v1"
	forecastv2 "llmarket.dev/go/llmarket/forecast/v2"
)

// attempts counts the attempts grpc-go makes for the calls of a channel (the first and each retry
// of the retry policy; transparent retries aside), seen by a stats handler.
type attempts struct{ n atomic.Int32 }

func (a *attempts) TagRPC(ctx context.Context, _ *stats.RPCTagInfo) context.Context { return ctx }
func (a *attempts) HandleRPC(_ context.Context, s stats.RPCStats) {
	if begin, ok := s.(*stats.Begin); ok && !begin.IsTransparentRetryAttempt {
		a.n.Add(1)
	}
}
func (a *attempts) TagConn(ctx context.Context, _ *stats.ConnTagInfo) context.Context { return ctx }
func (a *attempts) HandleConn(context.Context, stats.ConnStats)                       {}

// restartScript: the published retry policy at work on channels of llmarket.DialOptions, v1 and
// v2. tests/interop/run.sh restarts the server when asked (PREFIX.restart): it stops it, writes
// PREFIX.down, and starts it again on the same address at once. Calls made on the channels once the
// server is down fail their first attempt and succeed on a retry (4 attempts, about 0.56 to 0.84 s
// apart in all in grpc-go, whose retry backoff has ±20 % jitter: docs/adr/0006), with no retry loop here and
// without waiting for the channel to be ready. Each version has its own channel: a channel's
// retry throttling (service config: 10 tokens, a retry only above 5) allows about 5 failed
// attempts in a row.
func restartScript(forecastAddr, _ string, prefix string) {
	counted1, counted2 := &attempts{}, &attempts{}
	opts := append(llmarket.DialOptions(), grpc.WithTransportCredentials(insecure.NewCredentials()))
	conn1 := dial(forecastAddr, append(opts, grpc.WithStatsHandler(counted1))...)
	defer conn1.Close()
	conn2 := dial(forecastAddr, append(opts, grpc.WithStatsHandler(counted2))...)
	defer conn2.Close()
	v1, v2 := forecastpb.NewForecastServiceClient(conn1), forecastv2.NewForecastServiceClient(conn2)
	c, cancel := ctx()
	defer cancel()
	_, err1 := v1.GetSeries(c, &forecastpb.GetSeriesRequest{Name: series})
	_, err2 := v2.GetSeries(c, &forecastv2.GetSeriesRequest{Name: seriesV2})
	check("restart: v1 and v2 answer before the restart", err1 == nil && err2 == nil, err1, err2)

	if err := os.WriteFile(prefix+".restart", nil, 0o644); err != nil {
		check("restart: ask run.sh to restart the server", false, err)
		return
	}
	for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		if _, err := os.Stat(prefix + ".down"); err == nil {
			break
		}
	}
	counted1.n.Store(0)
	counted2.n.Store(0)
	var got *forecastv2.Series
	done := make(chan struct{})
	go func() {
		_, err1 = v1.GetSeries(c, &forecastpb.GetSeriesRequest{Name: series})
		close(done)
	}()
	got, err2 = v2.GetSeries(c, &forecastv2.GetSeriesRequest{Name: seriesV2})
	<-done
	check("restart: v1 and v2 calls made while the server restarts succeed, retried by the policy",
		err1 == nil && err2 == nil && got.GetName() == seriesV2,
		err1, err2, fmt.Sprintf(" (attempts: v1 %d, v2 %d)", counted1.n.Load(), counted2.n.Load()))
	fmt.Printf("     (attempts while restarting: v1 %d, v2 %d)\n", counted1.n.Load(), counted2.n.Load())
}

// quotaScript: a principal past its quota (1 call a second, tests/interop/run.sh) is refused with
// RESOURCE_EXHAUSTED, a RetryInfo delay and the grpc-retry-pushback-ms trailer. Without retries the
// caller reads the RetryInfo; with the published policy grpc-go follows the pushback (gRFC A6),
// waits for the quota to refill and succeeds on its second attempt. The policy's own backoff
// alone (4 attempts, 0.84 s at most) would give up inside the second, so success in fewer than 4
// attempts shows the pushback was followed.
func quotaScript(forecastAddr, caPath, token string) {
	creds, err := credentials.NewClientTLSFromFile(caPath, "")
	if err != nil {
		check("quota: read the CA certificate", false, err)
		return
	}
	bearer := oauth.TokenSource{TokenSource: oauth2.StaticTokenSource(&oauth2.Token{AccessToken: token})}
	secure := []grpc.DialOption{grpc.WithTransportCredentials(creds), grpc.WithPerRPCCredentials(bearer)}
	plain := dial(forecastAddr, append(append(llmarket.DialOptions(), secure...), grpc.WithDisableRetry())...)
	defer plain.Close()
	counted := &attempts{}
	retrying := dial(forecastAddr, append(append(llmarket.DialOptions(), secure...), grpc.WithStatsHandler(counted))...)
	defer retrying.Close()
	c, cancel := ctx()
	defer cancel()
	once := forecastv2.NewForecastServiceClient(plain)
	_, first := once.GetSeries(c, &forecastv2.GetSeriesRequest{Name: seriesV2})
	_, err = once.GetSeries(c, &forecastv2.GetSeriesRequest{Name: seriesV2})
	delay := llmarket.Details(err).RetryInfo.GetRetryDelay().AsDuration()
	check("quota: past its quota, RESOURCE_EXHAUSTED with a RetryInfo delay of at most a second",
		first == nil && status.Code(err) == codes.ResourceExhausted && delay > 0 && delay <= time.Second,
		first, err)
	_, err = forecastv2.NewForecastServiceClient(retrying).GetSeries(c, &forecastv2.GetSeriesRequest{Name: seriesV2})
	n := counted.n.Load()
	check("quota: with the retry policy, the call succeeds after the server's pushback, in 2 or 3 attempts",
		err == nil && n >= 2 && n < 4, err, n)
}
