# finreview — make run (services, migrate, demo data, serve) and make test.
SHELL := /bin/bash
.DEFAULT_GOAL := help

MINIO_VERSION := v0.0.0-20260212201848-7aac2a2c5b7c
MINIO_CACHE   := $(or $(XDG_CACHE_HOME),$(HOME)/.cache)/finreview
BIN           := $(CURDIR)/bin
export FINREVIEW_ROOT := $(CURDIR)

GO_TEST_FLAGS ?= -race -count=1 -timeout 50m

.PHONY: help
help:
	@echo "make run       启动 MariaDB 与 MinIO、迁移、载入演示数据并在 :8080 提供服务"
	@echo "make test      对真实的 MariaDB 与 MinIO 运行全部测试"
	@echo "make services  仅启动 MariaDB(127.0.0.1:3306)与 MinIO(127.0.0.1:9000)"
	@echo "make bench     基准测试,输出 BENCH 行"
	@echo "make cluster   启动三节点 Galera、分布式 MinIO、两个实例与 HAProxy(见 docs/deploy.md)"
	@echo "make cluster-down  停止集群"
	@echo "make test-cluster  对集群运行集成测试,结束时停止集群"
	@echo "make test-cluster-failures  在负载下杀死集群节点并检查不丢写入"
	@echo "make lint      gofmt 检查与 go vet"
	@echo "make graph     重新生成状态图 workflow/testdata/review.dot"

.PHONY: services
services: $(BIN)/minio
	@.ci/services

$(BIN)/minio:
	@mkdir -p $(BIN) $(MINIO_CACHE)
	@if [ -x "$(MINIO_CACHE)/minio-$(MINIO_VERSION)" ]; then \
		cp "$(MINIO_CACHE)/minio-$(MINIO_VERSION)" $(BIN)/minio; \
	else \
		echo "构建 MinIO $(MINIO_VERSION)(仅首次,约 3 分钟)…"; \
		GOBIN=$(BIN) GOFLAGS=-buildvcs=false go install github.com/minio/minio@$(MINIO_VERSION) && \
		cp $(BIN)/minio "$(MINIO_CACHE)/minio-$(MINIO_VERSION)"; \
	fi

.PHONY: build
build:
	go build -o $(BIN)/finreview ./cmd/finreview

.PHONY: run
run: services build
	$(BIN)/finreview migrate
	$(BIN)/finreview seed-demo
	$(BIN)/finreview serve

.PHONY: browser
# The tests need Chromium (browser tests) and poppler-utils: pdftotext and
# pdffonts (the papers' PDF text and fonts), pdftoppm (the papers rendered to
# PNG and checked against GB/T 9704); both come from Debian's packages.
browser:
	@missing=""; command -v chromium >/dev/null || missing="chromium"; \
	for t in pdftotext pdftoppm pdffonts; do command -v $$t >/dev/null || { missing="$$missing poppler-utils"; break; }; done; \
	if [ -n "$$missing" ]; then \
		if [ "$$(id -u)" = 0 ]; then DEBIAN_FRONTEND=noninteractive apt-get install -y -q $$missing >/dev/null || \
			{ apt-get update -q >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -q $$missing >/dev/null; }; \
		else echo "测试需要 $$missing:sudo apt-get install $$missing" >&2; exit 1; fi; fi

.PHONY: mariadb-tools
# Backups replay binary logs with mariadb-binlog and the mariadb client, and
# the point-in-time recovery test starts its own mariadbd with the binary
# log on (mariadb-install-db): Debian's mariadb-client and mariadb-server.
mariadb-tools:
	@missing=""; command -v mariadb-binlog >/dev/null && command -v mariadb >/dev/null || missing="mariadb-client"; \
	command -v mariadb-install-db >/dev/null && [ -x /usr/sbin/mariadbd ] || missing="$$missing mariadb-server"; \
	if [ -n "$$missing" ]; then \
		if [ "$$(id -u)" = 0 ]; then DEBIAN_FRONTEND=noninteractive apt-get install -y -q $$missing >/dev/null || \
			{ apt-get update -q >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -q $$missing >/dev/null; }; \
		else echo "测试需要 $$missing:sudo apt-get install $$missing" >&2; exit 1; fi; fi

.PHONY: test
test: services browser mariadb-tools
	go vet ./...
	go test $(GO_TEST_FLAGS) ./...

.PHONY: test-chaos
test-chaos: services
	go test -race -count=1 -timeout 10m -v ./internal/chaos/

.PHONY: bench
# The cluster figures need `make cluster`: the failure runs leave their
# BENCH lines in var/cluster/failures.txt for the bench program, whose
# every step runs, the working day on the cluster (capacity-cluster)
# among them, and the cluster is stopped at the end.
bench: services build $(BIN)/minio
	go test -run '^$$' -bench . -benchtime 2s ./internal/fee/ ./workflow/
	@deploy/cluster/up || { deploy/cluster/down; exit 1; }
	@set -o pipefail; status=0; rm -f var/cluster/failures.txt; \
	$(CLUSTER_TEST_ENV) FINREVIEW_CLUSTER_REPORT=$(CURDIR)/var/cluster/failures.txt \
		go test -tags cluster -count=1 -timeout 15m -run '^TestClusterFailures$$' -v ./internal/chaos/ | grep -E '^(=== RUN|--- |\s+cluster_test|BENCH|ok|FAIL)' || status=$$?; \
	FINREVIEW_CLUSTER_REPORT=$(CURDIR)/var/cluster/failures.txt go run ./cmd/finreview-bench || status=$$?; \
	deploy/cluster/down; exit $$status

.PHONY: test-cluster-failures
# Kills Galera nodes, an instance and a MinIO server under load, then a
# MinIO server again to read every object while it rejoins (see
# internal/chaos/cluster_test.go); the cluster is stopped at the end.
test-cluster-failures: $(BIN)/minio build
	@deploy/cluster/up || { deploy/cluster/down; exit 1; }
	@status=0; $(CLUSTER_TEST_ENV) go test -tags cluster -count=1 -timeout 15m -run TestClusterFailures -v ./internal/chaos/ || status=$$?; \
	deploy/cluster/down; exit $$status

.PHONY: cluster
# The cluster of docs/deploy.md on this machine's loopback addresses:
# Galera on 127.0.0.1:3311-3313 behind HAProxy on :3310, distributed MinIO
# behind :9010, two instances behind :8090; data under ./var/cluster.
cluster: $(BIN)/minio build
	@deploy/cluster/up

.PHONY: cluster-down
cluster-down:
	@deploy/cluster/down

# The integration suites against the cluster's addresses: test databases
# through HAProxy, objects through the distributed MinIO. Of internal/web,
# the HTTP end-to-end scenarios (TestE2E*: a review from settlement to
# archive, the side paths, the role table) run against the cluster; the
# rest of that package runs in make test.
CLUSTER_TEST_PKGS := ./internal/store/ ./internal/review/ ./internal/deadline/ ./internal/docs/
CLUSTER_E2E_RUN := ^TestE2E
CLUSTER_TEST_ENV := FINREVIEW_TEST_DSN='root@tcp(127.0.0.1:3310)/?parseTime=true&loc=Asia%2FShanghai' \
	FINREVIEW_TEST_S3_ENDPOINT=127.0.0.1:9010 \
	FINREVIEW_TEST_NODES=127.0.0.1:3311,127.0.0.1:3312,127.0.0.1:3313

.PHONY: test-cluster
# Stops the cluster at its end, passed or not, and when it fails to start.
test-cluster: $(BIN)/minio build browser mariadb-tools
	@deploy/cluster/up || { deploy/cluster/down; exit 1; }
	@status=0; $(CLUSTER_TEST_ENV) go test -count=1 -timeout 20m $(CLUSTER_TEST_PKGS) || status=$$?; \
	$(CLUSTER_TEST_ENV) go test -count=1 -timeout 10m -run '$(CLUSTER_E2E_RUN)' ./internal/web/ || status=$$?; \
	deploy/cluster/down; exit $$status

.PHONY: lint
lint:
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt 需要整理:"; echo "$$out"; exit 1; fi
	go vet ./...

.PHONY: graph
graph:
	go test ./workflow -run TestGraphGolden -update

.PHONY: clean
clean:
	rm -rf $(BIN)/finreview artifacts
