"""Settings as options and environment variables, derived from the dataclass fields."""

from __future__ import annotations

import dataclasses

import pytest

from tmf_api.settings import (
    DATABASE,
    DELIVERY,
    Option,
    Settings,
    SettingsError,
    from_environ,
    options,
    resolve,
    to_environ,
)


def option(name: str) -> Option:
    return next(o for o in options() if o.name == name)


def test_every_field_is_an_option_named_after_it() -> None:
    found = {o.name: o for o in options()}
    assert list(found) == [f.name for f in dataclasses.fields(Settings)]
    assert found["pool_size"].flag == "--pool-size" and found["pool_size"].env == "TMF_POOL_SIZE"
    assert found["delivery_max_attempts"].flag == "--delivery-max-attempts"
    assert all(o.help for o in found.values())


def test_groups_select_the_options_of_a_command() -> None:
    names = {o.name for o in options([DATABASE, DELIVERY])}
    assert {"database_url", "pool_size", "statement_timeout", "delivery_max_attempts"} <= names
    assert "demo_data" not in names and "workers" not in names


@pytest.mark.parametrize(
    ("name", "text", "value"),
    [
        ("pool_size", " 7 ", 7),
        ("pool_timeout", "2.5", 2.5),
        ("statement_timeout", "0", 0.0),
        ("demo_data", "yes", True),
        ("demo_data", "OFF", False),
        ("dispatch_events", "0", False),
        ("public_url", "https://api.example.cn", "https://api.example.cn"),
        ("public_url", "", None),
        ("apis", "TMF622:v5, TMF622:v4", (("TMF622", "v5"), ("TMF622", "v4"))),
        ("apis", "", None),
    ],
)
def test_values_are_read_by_the_fields_type(name: str, text: str, value: object) -> None:
    assert option(name).parse(text) == value


@pytest.mark.parametrize(
    ("name", "text", "says"),
    [
        ("pool_size", "five", "'five' is not an integer"),
        ("pool_size", "2.5", "not an integer"),
        ("pool_size", "0", "below the minimum of 1"),
        ("max_overflow", "-1", "below the minimum of 0"),
        ("pool_timeout", "soon", "not a number"),
        ("pool_timeout", "nan", "not a number"),
        ("delivery_timeout", "inf", "not a number"),
        ("demo_data", "maybe", "not true or false"),
        ("apis", "TMF622", "not API:version"),
        ("workers", "0", "below the minimum of 1"),
    ],
)
def test_bad_values_are_refused_saying_why(name: str, text: str, says: str) -> None:
    with pytest.raises(ValueError, match=says):
        option(name).parse(text)


def test_the_command_line_wins_over_the_environment_which_wins_over_the_default() -> None:
    environ = {"TMF_POOL_SIZE": "9", "TMF_DELIVERY_MAX_ATTEMPTS": "3", "TMF_UNRELATED": "x"}
    values = resolve({"pool_size": 7}, environ)
    assert values == {"pool_size": 7, "delivery_max_attempts": 3}
    settings = Settings(**values)
    assert settings.max_overflow == Settings.max_overflow  # neither given: the default


def test_a_bad_environment_value_names_the_variable() -> None:
    with pytest.raises(SettingsError, match="TMF_STATEMENT_TIMEOUT: 'later' is not a number"):
        resolve({}, {"TMF_STATEMENT_TIMEOUT": "later"})


def test_the_environment_of_a_settings_reads_back_as_it() -> None:
    settings = Settings(
        database_url="postgresql+psycopg://u:p%40ss@db/tmf",
        pool_size=12,
        statement_timeout=2.5,
        public_url="https://api.example.cn",
        apis=(("TMF622", "v5"),),
        dispatch_events=False,
        simulate_fulfilment=True,
        workers=3,
    )
    assert from_environ(to_environ(settings)) == settings
    assert from_environ(to_environ(Settings())) == Settings()


def test_engine_options_carry_the_pool_settings() -> None:
    settings = Settings(
        pool_size=3, max_overflow=0, pool_timeout=1.0, pool_recycle=0.0, statement_timeout=4.0,
        sqlite_cache_size=128,
    )
    assert settings.engine_options() == {
        "pool_size": 3,
        "max_overflow": 0,
        "pool_timeout": 1.0,
        "pool_recycle": 0.0,
        "statement_timeout": 4.0,
        "sqlite_cache_size": 128,
    }
