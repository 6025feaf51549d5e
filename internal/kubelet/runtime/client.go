package runtime

import (
	"context"
	"fmt"
	"strings"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	criapi "k8s.io/cri-api/pkg/apis/runtime/v1"
)

// maxMsgSize matches the kubelet's limit: lists of many containers are big.
const maxMsgSize = 16 << 20

// Client is a thin CRI client: context-first methods returning the cri-api
// types, with errors that say which call failed on what.
type Client struct {
	conn *grpc.ClientConn
	rt   criapi.RuntimeServiceClient
	img  criapi.ImageServiceClient
}

// Dial connects to a CRI endpoint: "unix:///path" or a plain socket path.
// It does not block; the first call waits for the connection.
func Dial(endpoint string) (*Client, error) {
	target := endpoint
	if !strings.HasPrefix(target, "unix://") {
		target = "unix://" + target
	}
	conn, err := grpc.NewClient(target,
		grpc.WithTransportCredentials(insecure.NewCredentials()),
		grpc.WithDefaultCallOptions(grpc.MaxCallRecvMsgSize(maxMsgSize), grpc.MaxCallSendMsgSize(maxMsgSize)))
	if err != nil {
		return nil, fmt.Errorf("dial CRI endpoint %s: %w", endpoint, err)
	}
	return &Client{conn: conn, rt: criapi.NewRuntimeServiceClient(conn), img: criapi.NewImageServiceClient(conn)}, nil
}

// Close releases the connection.
func (c *Client) Close() error { return c.conn.Close() }

// Version reports the runtime's name and version.
func (c *Client) Version(ctx context.Context) (*criapi.VersionResponse, error) {
	r, err := c.rt.Version(ctx, &criapi.VersionRequest{})
	if err != nil {
		return nil, fmt.Errorf("CRI Version: %w", err)
	}
	return r, nil
}
