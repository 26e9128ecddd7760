"""Each commitment's status and progress at the end of each interval of a period
(/commitments/matrix/): the timeline (time.py) per commitment rather than counted, for a
heatmap in one read, as JSON, CSV or an Excel workbook."""

from django import forms
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import serializers

from commitments.api.base import CSV_PARAMETER
from commitments.api.filters import TimelineForm
from commitments.api.time import PERIOD_PARAMETERS, PeriodFields, PeriodView
from commitments.clearance import clearance_of
from commitments.models import Status
from commitments.selectors import INTERVALS, status_matrix


class MatrixForm(TimelineForm):
    """The timeline's period, cut into weeks (Monday to Sunday) or years as well."""

    interval = forms.ChoiceField(required=False, choices=[(name, name) for name in INTERVALS])


class CellSerializer(serializers.Serializer):
    date = serializers.DateField()
    status = serializers.ChoiceField(
        choices=Status.choices,
        allow_null=True,
        help_text="The status in effect at the end of that day (not_assessed before its first "
        "approved update); null: the commitment was not created yet.",
    )
    progress = serializers.IntegerField(allow_null=True)


class MatrixRowSerializer(serializers.Serializer):
    code = serializers.CharField(source="commitment.code")
    title = serializers.CharField(source="commitment.title")
    pillar = serializers.SlugField(source="commitment.pillar__slug")
    cells = CellSerializer(many=True, help_text="One per date of `dates`, in that order.")


class MatrixSerializer(PeriodFields):
    interval = serializers.ChoiceField(choices=INTERVALS)
    dates = serializers.ListField(
        child=serializers.DateField(),
        help_text="The last day of each interval, oldest first (the last: `to`): the columns.",
    )
    commitments = MatrixRowSerializer(
        many=True,
        help_text="Those the filters choose that existed by `to`, in the Roadmap's order (most "
        "relevant first for a search).",
    )


def matrix_row_serializer(dates):
    """The serializer of a line of the matrix's CSV and XLSX: a commitment, then its status at
    each date, then its progress at each date (`status_2026-01-31`, ..., `progress_2026-01-31`,
    ...): two blocks a spreadsheet colours as they stand."""

    class MatrixLineSerializer(serializers.Serializer):
        def get_fields(self):
            return {
                "code": serializers.CharField(),
                "title": serializers.CharField(),
                "pillar": serializers.SlugField(),
                **{f"status_{day}": serializers.CharField(allow_null=True) for day in dates},
                **{f"progress_{day}": serializers.IntegerField(allow_null=True) for day in dates},
            }

    return MatrixLineSerializer


@extend_schema_view(
    get=extend_schema(
        summary="Each commitment's status at the end of each interval",
        description="Where each commitment stood (status and progress) at the end of each "
        "week, month, quarter or year from `from` to `to` (the last interval ends at `to`), as "
        "the timeline counts them and as the list reads them `?as_of=` each date: only "
        "approved updates count, corrections replace what they correct, and `known_on` reads "
        "the history as known that day. At most "
        f"{MatrixForm.MAX_INTERVALS} intervals (a 400 beyond). Takes the same filters as the "
        "timeline. `format=csv` gives it as CSV (`format=xlsx` as an Excel workbook): one line "
        "per commitment, as the matrix reads, a status column per date then a progress column "
        "per date (status_YYYY-MM-DD, progress_YYYY-MM-DD).",
        parameters=[
            *PERIOD_PARAMETERS[1:],
            OpenApiParameter(
                "from",
                OpenApiTypes.DATE,
                description="YYYY-MM-DD, not after `to`. Default: twelve intervals, ending at "
                "`to`.",
            ),
            OpenApiParameter(
                "interval",
                OpenApiTypes.STR,
                enum=INTERVALS,
                description="week (Monday to Sunday), month (the default), quarter or year.",
            ),
            CSV_PARAMETER,
        ],
        responses=MatrixSerializer,
        filters=True,
        tags=["time"],
    )
)
class MatrixView(PeriodView):
    form_class = MatrixForm
    csv_filename = "matrix.csv"
    _dates = ()  # the columns, once read

    @property
    def row_serializer(self):
        return matrix_row_serializer(self._dates)

    def read(self, period, commitments):
        matrix = status_matrix(
            commitments,
            period["from"],
            period["to"],
            period["interval"],
            known_on=period.get("known_on"),
            clearance=clearance_of(self.request.user),
        )
        self._dates = matrix.days
        return MatrixSerializer(
            {
                "start": period["from"],
                "end": period["to"],
                "known_on": period.get("known_on"),
                "interval": period["interval"],
                "dates": matrix.days,
                "commitments": [
                    {
                        "commitment": row.commitment,
                        "cells": [
                            _cell(day, state)
                            for day, state in zip(matrix.days, row.cells, strict=True)
                        ],
                    }
                    for row in matrix.rows
                ],
            }
        ).data

    def rows(self, data):
        return [_line(row) for row in data["commitments"]]


def _cell(day, state):
    if state is None:
        return {"date": day, "status": None, "progress": None}
    return {"date": day, "status": state.status, "progress": state.progress}


def _line(row):
    line = {key: row[key] for key in ("code", "title", "pillar")}
    for cell in row["cells"]:
        line[f"status_{cell['date']}"] = cell["status"]
        line[f"progress_{cell['date']}"] = cell["progress"]
    return line
