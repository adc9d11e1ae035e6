# Cái Đẹp — the README's two commands live here: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app wsgi
HOST ?= 127.0.0.1
PORT ?= 5000
STAMP := $(VENV)/.installed
TEST_STAMP := $(VENV)/.installed-test

.PHONY: run test bench install install-test translations messages migrate seed model lint clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	touch $@

$(TEST_STAMP): pyproject.toml $(STAMP)
	$(BIN)/pip install --quiet -e ".[test]"
	touch $@

install: $(STAMP)
install-test: $(TEST_STAMP)

translations: $(STAMP)
	@for dir in core registry moderation feed jobs zalo; do \
	  if [ -d $$dir/translations ]; then $(BIN)/pybabel -q compile -d $$dir/translations || exit 1; fi; \
	done
	@$(BIN)/pybabel -q compile -D click -d core/translations

migrate: translations
	@mkdir -p instance
	CAIDEP_ALLOW_DEV_SECRET=1 $(FLASK) db upgrade

seed: migrate
	CAIDEP_ALLOW_DEV_SECRET=1 $(FLASK) seed-demo

model: migrate
	@if [ -n "$$(CAIDEP_ALLOW_DEV_SECRET=1 $(FLASK) classifiers list --json 2>/dev/null | grep -o '"active": true')" ]; then \
	  echo "Mô hình phân loại đã có."; \
	elif CAIDEP_ALLOW_DEV_SECRET=1 $(FLASK) classifiers --help >/dev/null 2>&1; then \
	  CAIDEP_ALLOW_DEV_SECRET=1 $(FLASK) classifiers train recipes/default.toml --activate; \
	fi

run: model seed
	@echo "Cái Đẹp đang chạy tại http://$(HOST):$(PORT) — Ctrl+C để dừng."
	CAIDEP_ALLOW_DEV_SECRET=1 SESSION_COOKIE_SECURE=0 $(FLASK) run --host $(HOST) --port $(PORT)

test: $(TEST_STAMP) translations
	$(BIN)/ruff check .
	$(BIN)/python -m pytest $(PYTEST_ARGS)

bench: $(TEST_STAMP)
	@for script in bench/*.py; do echo "== $$script"; $(BIN)/python $$script || exit 1; done

lint: $(TEST_STAMP)
	$(BIN)/ruff check .

clean:
	rm -rf $(VENV) instance .pytest_cache .ruff_cache

# Re-extract the messages of each job into its catalogue (then translate the new vi entries).
messages: $(STAMP)
	@for dir in core registry moderation feed jobs zalo; do \
	  [ -d $$dir ] || continue; \
	  sources="$$dir"; [ -d templates/$$dir ] && sources="$$sources templates/$$dir"; \
	  [ $$dir = core ] && sources="$$sources templates/base.html templates/_macros"; \
	  mkdir -p $$dir/translations; \
	  $(BIN)/pybabel -q extract -F babel.cfg -k _l -k lazy_gettext --no-location --sort-output \
	    -o $$dir/translations/messages.pot $$sources || exit 1; \
	  if [ -f $$dir/translations/vi/LC_MESSAGES/messages.po ]; then \
	    $(BIN)/pybabel -q update --no-fuzzy-matching -i $$dir/translations/messages.pot -d $$dir/translations -l vi; \
	  else \
	    $(BIN)/pybabel -q init -i $$dir/translations/messages.pot -d $$dir/translations -l vi; \
	  fi; \
	done
