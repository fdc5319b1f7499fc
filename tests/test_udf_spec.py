"""The one spec of the Excel functions: contents, soundness, and completeness against hnb_xl.udfs."""

import inspect

import pytest

from hnb_xl import udfs
from hnb_xl.excel import spec as udf_spec
from hnb_xl.excel.spec import FUNCTIONS, ArgSpec, FunctionSpec, problems

# The issue's signatures: name -> (argument names, number of required arguments)
ISSUE_SIGNATURES = {
    "HNB_DEFICIT": (("year", "history", "assumptions"), 0),
    "HNB_PROJECTION": (("history", "assumptions", "scenario"), 0),
    "HNB_GROWTH": (("values",), 1),
    "HNB_CONTINGENCY": (("schools", "pot", "cost_per_ehcp", "notional_share"), 1),
    "HNB_TRANSFER": (("schools_block", "rate_or_amount"), 2),
    "HNB_TRANSFER_CHECK": (("amount", "schools_block"), 2),
    "HNB_VERSION": ((), 0),
    # issue 15 part 5; the input tables (item 5: Calc_Placement passes the workbook's)
    "HNB_PLACEMENTS": (("by", "to_year", "history", "placement_history", "categories", "drivers", "capacity",
                        "backlog", "moves", "other_spend", "income", "settings"), 0),
}


@pytest.mark.parametrize("name", sorted(ISSUE_SIGNATURES))
def test_issue_functions_have_their_signatures(name):
    f = FUNCTIONS[name]
    args, required = ISSUE_SIGNATURES[name]
    assert f.name == name
    assert f.arg_names == args
    assert (f.min_args, f.max_args) == (required, len(args))
    assert f.category == "HNB"


def test_spec_is_sound():
    assert problems() == []


def test_signature_text_brackets_optional_arguments():
    assert FUNCTIONS["HNB_CONTINGENCY"].signature() == \
        "HNB_CONTINGENCY(schools, [pot], [cost_per_ehcp], [notional_share])"
    assert FUNCTIONS["HNB_VERSION"].signature() == "HNB_VERSION()"


def _spec(**kw):
    base = dict(name="HNB_X", description="Does x.", args=(ArgSpec("a", "An a."),))
    base.update(kw)
    return FunctionSpec(**base)


@pytest.mark.parametrize("spec, fragment", [
    pytest.param(_spec(description="x" * 256), "description is 256 characters", id="description-too-long"),
    pytest.param(_spec(description=""), "description is 0 characters", id="description-empty"),
    pytest.param(_spec(args=(ArgSpec("a", "y" * 300),)), "argument a is 300 characters", id="help-too-long"),
    pytest.param(_spec(description="Pot in \u00a3"), "plain ASCII", id="non-ascii"),
    pytest.param(_spec(description="two\nlines"), "plain ASCII", id="newline"),
    pytest.param(_spec(name="hnb_x"), "HNB_ in capitals", id="lower-case-name"),
    pytest.param(_spec(name="DEFICIT"), "HNB_ in capitals", id="no-prefix"),
    pytest.param(_spec(args=(ArgSpec("a", "A.", True), ArgSpec("b", "B."))), "required argument b follows",
                 id="required-after-optional"),
    pytest.param(_spec(args=(ArgSpec("a", "A."), ArgSpec("a", "A again."))), "duplicate", id="duplicate-args"),
    pytest.param(_spec(args=(ArgSpec("Pot", "A."),)), "lower-case identifier", id="arg-case"),
])
def test_problems_finds_each_defect(spec, fragment):
    found = problems({spec.name: spec})
    assert any(fragment in p for p in found), found


def test_problems_finds_a_wrong_key():
    assert any("different name" in p for p in problems({"HNB_Y": _spec()}))


def test_texts_fit_excel_and_vba():
    for f in FUNCTIONS.values():
        for text in [f.description, *(a.help for a in f.args)]:
            assert 0 < len(text) <= 255 and text.isascii()


def test_table_arguments_name_the_schema_headers():
    # the workbook engineer lays the input tables out with exactly these headers
    from hnb_xl.tables.schema import ASSUMPTIONS, HISTORY, SCHOOLS
    helps = {a.name: a.help for f in FUNCTIONS.values() for a in f.args}
    for arg, schema in [("history", HISTORY), ("assumptions", ASSUMPTIONS), ("schools", SCHOOLS)]:
        for header in schema.headers:
            assert header in helps[arg]


def test_range_arguments_arrive_two_dimensional():
    # xlwings sends a one-row or one-column range as a flat list unless ndim=2
    for name, arg in [("HNB_DEFICIT", "history"), ("HNB_DEFICIT", "assumptions"), ("HNB_PROJECTION", "history"),
                      ("HNB_CONTINGENCY", "schools"), ("HNB_GROWTH", "values")]:
        a = next(a for a in FUNCTIONS[name].args if a.name == arg)
        assert a.xl_options.get("ndim") == 2


# ---------------------------------------------------------------- completeness both ways

def _public_udfs():
    return {n for n, v in vars(udfs).items() if n.startswith("HNB_") and callable(v)}


def test_every_spec_function_has_an_adapter():
    missing = set(FUNCTIONS) - _public_udfs()
    assert not missing


def test_every_public_udf_is_in_the_spec():
    extra = _public_udfs() - set(FUNCTIONS)
    assert not extra
    # and nothing else in the module carries a spec (an adapter under another name)
    tagged = {n for n, v in vars(udfs).items() if hasattr(v, "spec")}
    assert tagged == set(FUNCTIONS)


@pytest.mark.parametrize("name", sorted(FUNCTIONS))
def test_python_callable_matches_the_spec(name):
    f = FUNCTIONS[name]
    assert f.python is getattr(udfs, name)
    assert f.python.spec is f
    assert f.python.__doc__ == f.description
    params = list(inspect.signature(f.python).parameters.values())
    assert [p.name for p in params] == list(f.arg_names)
    assert [p.default is None for p in params] == [a.optional for a in f.args]


def test_adapter_not_in_spec_is_refused():
    def HNB_NOT_THERE(a):
        return a
    with pytest.raises(KeyError):
        udfs.udf(HNB_NOT_THERE)


def test_adapter_with_wrong_arguments_is_refused():
    def HNB_GROWTH(values, extra=None):
        return values
    with pytest.raises(TypeError, match="do not match the spec"):
        udfs.udf(HNB_GROWTH)


def test_optional_adapter_arguments_must_default_to_none():
    def HNB_CONTINGENCY(schools, pot=450000, cost_per_ehcp=None, notional_share=None):
        return schools
    with pytest.raises(TypeError, match="default to None"):
        udfs.udf(HNB_CONTINGENCY)


def test_module_constants():
    assert udf_spec.CATEGORY == "HNB" and udf_spec.UDF_MODULE == "hnb_xl.udfs"


def test_function_reference_documents_every_function():
    from pathlib import Path
    doc = (Path(__file__).resolve().parents[1] / "docs" / "udfs.md").read_text(encoding="utf-8")
    for f in FUNCTIONS.values():
        assert f"## {f.signature()}" in doc, f.name
        assert f'*Function Wizard:* "{f.description}"' in doc, f.name
