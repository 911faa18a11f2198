"""Pure rules over plain data: indicator values, status, eligibility, checks, what-if.

No Streamlit, no SQLAlchemy, no pandas, no I/O; see docs/ARCHITECTURE.md.
"""

from rules.checks import CheckFinding, FlowFinding, check_holds, check_values, flow_consistency, run_checks
from rules.indicators import (
    EPS,
    AreaValue,
    CommuneResult,
    Evaluation,
    ProgressRow,
    Question,
    accumulates_over_year,
    area_value,
    better_direction,
    commune_result,
    eligibility_applies,
    evaluate,
    evaluate_plan,
    evaluate_plan_with_groups,
    figure_value,
    has_denominator,
    indicator_rows,
    is_flow,
    is_whole,
    units_to_target,
)
from rules.whatif import FigureChange, Simulation, WhatIfNote, parse_target_text, simulate

__all__ = [
    "EPS",
    "AreaValue",
    "CheckFinding",
    "CommuneResult",
    "Evaluation",
    "FigureChange",
    "FlowFinding",
    "ProgressRow",
    "Question",
    "Simulation",
    "WhatIfNote",
    "accumulates_over_year",
    "area_value",
    "better_direction",
    "check_holds",
    "check_values",
    "commune_result",
    "eligibility_applies",
    "evaluate",
    "evaluate_plan",
    "evaluate_plan_with_groups",
    "figure_value",
    "flow_consistency",
    "has_denominator",
    "indicator_rows",
    "is_flow",
    "is_whole",
    "parse_target_text",
    "run_checks",
    "simulate",
    "units_to_target",
]
