import json

from common.cli import ScriptCommand, office_by_code
from inventory.selectors import REPORT_FIELDS, stock_report


class Command(ScriptCommand):
    help = "The office's blank figures and how many cards are in each state now."

    def add_arguments(self, parser):
        parser.add_argument("--office", required=True)
        parser.add_argument("--json", action="store_true", dest="as_json")

    def handle(self, *args, office, as_json, **options):
        report = stock_report(office_by_code(office))
        if as_json:
            self.stdout.write(json.dumps(report))
            return
        width = max(map(len, REPORT_FIELDS))
        self.stdout.write(f"office {report['office']}")
        for field in REPORT_FIELDS:
            self.stdout.write(f"{field:<{width}}  {report[field]:>10}")
