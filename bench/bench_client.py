"""Load-client cost: requests/s on one core, lean client vs boto3, each inside a Locust user.

A trivial HTTP server (h11 on gevent, answering `{}`, cheaper per request than any client)
runs in its own process; Locust users with no wait time send GetItem for a few seconds with
each client, all in this one process (one core, several users so that the client's CPU and
not the round trip limits the rate), counted from Locust's request events.

    .venv/bin/python bench/bench_client.py [--seconds 5] [--users 8]
"""

from __future__ import annotations

import argparse
import multiprocessing
import time

import boto3
import gevent
from botocore.config import Config
from botocore.credentials import Credentials
from locust import User, constant, task  # imports Locust first: it patches for gevent
from locust.env import Environment

from ddbkit.loadtests.client import DynamoClient, Endpoint

KEY = {"TableName": "t", "Key": {"pk": {"S": "k"}}}


def serve(port_queue: multiprocessing.Queue) -> None:  # type: ignore[type-arg]
    """Keep-alive HTTP/1.1 answering `{}`: h11 over gevent sockets, so the client is the cost."""
    import socket

    import h11
    from gevent.server import StreamServer

    def handle(sock: socket.socket, _: object) -> None:
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        conn = h11.Connection(h11.SERVER)
        while True:
            event = conn.next_event()
            if event is h11.NEED_DATA:
                try:
                    data = sock.recv(65536)
                except ConnectionResetError:  # a user stopped mid-keep-alive
                    return
                conn.receive_data(data)
                if not data:
                    return
            elif isinstance(event, h11.EndOfMessage):
                sock.sendall(conn.send(h11.Response(status_code=200, headers=[
                    ("Content-Type", "application/x-amz-json-1.0"), ("Content-Length", "2")]))
                    + conn.send(h11.Data(data=b"{}")) + conn.send(h11.EndOfMessage()))
                conn.start_next_cycle()
            elif isinstance(event, h11.ConnectionClosed):
                return

    server = StreamServer(("127.0.0.1", 0), handle)
    server.start()
    port_queue.put(server.server_port)
    server.serve_forever()


def rate(user_class: type, seconds: float, users: int) -> float:
    environment = Environment(user_classes=[user_class])
    count = [0]
    environment.events.request.add_listener(lambda **_: count.__setitem__(0, count[0] + 1))
    runner = environment.create_local_runner()
    runner.start(users, spawn_rate=users)
    gevent.sleep(0.5)  # warm up: connection, signer, first parse
    count[0] = 0
    started = time.perf_counter()
    gevent.sleep(seconds)
    measured = count[0] / (time.perf_counter() - started)
    runner.quit()
    return measured


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=5)
    # Several users, so this process's core (not the round trip) is what limits the rate.
    parser.add_argument("--users", type=int, default=8)
    args = parser.parse_args()
    seconds, users = args.seconds, args.users
    ports: multiprocessing.Queue = multiprocessing.Queue()  # type: ignore[type-arg]
    server = multiprocessing.Process(target=serve, args=(ports,), daemon=True)
    server.start()
    url = f"http://127.0.0.1:{ports.get(timeout=30)}"

    class LeanUser(User):
        wait_time = constant(0)

        def on_start(self) -> None:
            self.dynamo = DynamoClient(Endpoint(url, "us-east-1", Credentials("a", "b")),
                                       events=self.environment.events)

        @task
        def get(self) -> None:
            self.dynamo.call("GetItem", KEY, name="lean")

    class Boto3User(User):
        wait_time = constant(0)

        def on_start(self) -> None:
            self.dynamo = boto3.client("dynamodb", endpoint_url=url, region_name="us-east-1",
                                       aws_access_key_id="a", aws_secret_access_key="b",
                                       config=Config(retries={"max_attempts": 1}))

        @task
        def get(self) -> None:
            started = time.perf_counter()
            self.dynamo.get_item(**KEY)
            self.environment.events.request.fire(
                request_type="GetItem", name="boto3", response_length=0, exception=None,
                response_time=(time.perf_counter() - started) * 1000)

    lean = rate(LeanUser, seconds, users)
    boto = rate(Boto3User, seconds, users)
    print(f"lean client : {lean:8.0f} requests/s ({users} users, one core)")
    print(f"boto3 client: {boto:8.0f} requests/s ({users} users, one core)")
    print(f"ratio       : {lean / boto:8.1f}x")
    server.terminate()


if __name__ == "__main__":
    main()
