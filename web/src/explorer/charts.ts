// ECharts, loaded on demand, with only the parts the Explorer draws.
import { BarChart, LineChart } from "echarts/charts";
import { GridComponent, LegendComponent, TooltipComponent } from "echarts/components";
import * as echarts from "echarts/core";
import { CanvasRenderer } from "echarts/renderers";
import { t } from "./i18n";

echarts.use([BarChart, LineChart, GridComponent, LegendComponent, TooltipComponent, CanvasRenderer]);

export function drawDaily(box: HTMLElement, days: Date[], newMembers: number[], sales: number[]): void {
  const chart = echarts.init(box, undefined, { renderer: "canvas" });
  const labels = days.map((d) => `${d.getMonth() + 1}/${d.getDate()}`);
  chart.setOption({
    animation: false,
    tooltip: { trigger: "axis" },
    legend: { top: 0, data: [t("chartNew"), t("chartSales")] },
    grid: { left: 48, right: 64, top: 60, bottom: 28 },
    xAxis: { type: "category", data: labels },
    yAxis: [
      { type: "value", name: t("chartNew"), minInterval: 1 },
      { type: "value", name: t("chartSales"), position: "right" },
    ],
    series: [
      { name: t("chartNew"), type: "bar", data: newMembers, itemStyle: { color: "#3b82f6" } },
      { name: t("chartSales"), type: "line", yAxisIndex: 1, data: sales, itemStyle: { color: "#f97316" } },
    ],
  });
  box.dataset.rendered = "true";
  window.addEventListener("resize", () => chart.resize());
}
