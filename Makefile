# “创客中国”大赛平台 — the two commands are `make run` and `make test`.
BIN := .venv/bin
PYTHON := $(BIN)/python
HOST ?= 127.0.0.1
PORT ?= 8000
PLAN := src/contest/catalog/data/plans/edition9.txt

.PHONY: setup run test lint format messages bench lock clean

setup:
	@bash scripts/setup.sh

run: setup
	$(PYTHON) manage.py migrate --no-input -v0
	$(PYTHON) manage.py compilemessages -v0 --ignore=.venv 2>/dev/null || true
	$(PYTHON) manage.py import_plan $(PLAN) --edition 9
	$(PYTHON) manage.py seed_demo
	@echo ""
	@echo "==> 站点 / site: http://$(HOST):$(PORT)/   管理后台 / admin: http://$(HOST):$(PORT)/admin/   API: http://$(HOST):$(PORT)/api/v1/docs"
	@echo "==> 网站（ASGI）与后台任务进程一起运行；Ctrl-C 同时停止 / site (ASGI) and background worker together; Ctrl-C stops both"
	$(PYTHON) scripts/serve.py --host $(HOST) --port $(PORT)

test: setup
	$(BIN)/pytest

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	PYTHONPATH=src $(BIN)/lint-imports
	$(PYTHON) scripts/check_imports.py

format: setup
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

messages: setup
	cd src/contest && ../../$(PYTHON) ../../manage.py makemessages -l en --no-obsolete
	$(PYTHON) manage.py compilemessages --ignore=.venv

bench: setup
	for b in bench/*.py; do $(PYTHON) $$b || exit 1; done

# Regenerate requirements.lock from pyproject.toml (needs network access to PyPI).
lock: setup
	$(PYTHON) -m pip install -q uv
	$(BIN)/uv pip compile pyproject.toml --extra dev --universal --python-version 3.11 --generate-hashes -o requirements.lock

clean:
	rm -rf .venv var test-artifacts .pytest_cache
