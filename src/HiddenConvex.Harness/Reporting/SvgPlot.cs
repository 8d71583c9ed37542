using System.Globalization;
using System.Net;
using System.Text;

namespace HiddenConvex.Harness.Reporting;

/// <summary>Small inline-SVG drawings for self-contained HTML reports (no scripts, no network).</summary>
public static class SvgPlot
{
    private const int W = 420, H = 260, Margin = 44;

    private static string F(double x) => x.ToString("0.##", CultureInfo.InvariantCulture);
    private static string G(double x) => x.ToString("G4", CultureInfo.InvariantCulture);

    /// <summary>
    /// Line plot of values[k] against k (e.g. L_β along a path, THEORY.md §8), with the first,
    /// last, minimum and maximum values written on the axes.
    /// </summary>
    public static string Line(IReadOnlyList<double> values, string title, string yLabel = "value")
    {
        var finite = values.Where(double.IsFinite).ToList();
        var sb = Open(title);
        if (finite.Count == 0) return Close(sb.Append(Text(W / 2, H / 2, "no finite values", "middle")));
        double lo = finite.Min(), hi = finite.Max();
        if (hi - lo <= 1e-300) { hi = lo + 1; lo -= 1; }
        double X(int k) => Margin + (W - 2 * Margin) * (values.Count == 1 ? 0.5 : (double)k / (values.Count - 1));
        double Y(double v) => H - Margin - (H - 2 * Margin) * (v - lo) / (hi - lo);
        Axes(sb);
        sb.Append("<polyline fill=\"none\" stroke=\"#1f6feb\" stroke-width=\"1.5\" points=\"");
        for (int k = 0; k < values.Count; k++)
            if (double.IsFinite(values[k])) sb.Append(F(X(k))).Append(',').Append(F(Y(values[k]))).Append(' ');
        sb.Append("\"/>");
        sb.Append(Text(Margin - 4, Y(hi) + 4, G(hi), "end")).Append(Text(Margin - 4, Y(lo) + 4, G(lo), "end"));
        sb.Append(Text(Margin, H - Margin + 16, "0", "middle")).Append(Text(W - Margin, H - Margin + 16, (values.Count - 1).ToString(CultureInfo.InvariantCulture), "middle"));
        sb.Append(Text(12, H / 2, yLabel, "middle", "rotate(-90 12 " + F(H / 2) + ")"));
        return Close(sb);
    }

    /// <summary>
    /// For d = 2 data: each row x_j's line {u : x_j·u = 0} through the origin (grey), the rows as dots,
    /// and each neuron u_i as a ray from the origin (blue for α_i &gt; 0, red for α_i &lt; 0),
    /// lengths normalised to the largest ‖u_i‖ (THEORY.md §2).
    /// </summary>
    public static string Arrangement2D(IReadOnlyList<double[]> rows, IReadOnlyList<(double[] U, double Alpha)> neurons, string title)
    {
        var sb = Open(title);
        double cx = W / 2.0, cy = H / 2.0, r = Math.Min(W, H) / 2.0 - 16;
        sb.Append($"<circle cx=\"{F(cx)}\" cy=\"{F(cy)}\" r=\"{F(r)}\" fill=\"none\" stroke=\"#eee\"/>");
        double rowScale = rows.Select(x => Math.Sqrt(x[0] * x[0] + x[1] * x[1])).DefaultIfEmpty(0).Max();
        foreach (var x in rows.Where(x => x.Length >= 2))
        {
            double nx = Math.Sqrt(x[0] * x[0] + x[1] * x[1]);
            if (nx == 0) continue;
            double lx = -x[1] / nx, ly = x[0] / nx; // direction of the line x·u = 0
            sb.Append($"<line x1=\"{F(cx - r * lx)}\" y1=\"{F(cy + r * ly)}\" x2=\"{F(cx + r * lx)}\" y2=\"{F(cy - r * ly)}\" stroke=\"#bbb\"/>");
            double s = 0.5 * r * nx / rowScale;
            sb.Append($"<circle cx=\"{F(cx + s * x[0] / nx)}\" cy=\"{F(cy - s * x[1] / nx)}\" r=\"2.5\" fill=\"#666\"/>");
        }
        double uScale = neurons.Select(n => Math.Sqrt(n.U[0] * n.U[0] + n.U[1] * n.U[1])).DefaultIfEmpty(0).Max();
        foreach (var (u, a) in neurons.Where(n => n.U.Length >= 2))
        {
            double nu = Math.Sqrt(u[0] * u[0] + u[1] * u[1]);
            if (nu == 0 || uScale == 0) continue;
            double len = r * nu / uScale;
            var colour = a > 0 ? "#1f6feb" : a < 0 ? "#cf222e" : "#999";
            sb.Append($"<line x1=\"{F(cx)}\" y1=\"{F(cy)}\" x2=\"{F(cx + len * u[0] / nu)}\" y2=\"{F(cy - len * u[1] / nu)}\" stroke=\"{colour}\" stroke-width=\"2\"/>");
        }
        sb.Append(Text(8, H - 8, "grey: x_j·u = 0; blue/red: neurons with α > 0 / α < 0", "start"));
        return Close(sb);
    }

    private static StringBuilder Open(string title) =>
        new StringBuilder()
            .Append($"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{W}\" height=\"{H}\" viewBox=\"0 0 {W} {H}\" font-family=\"sans-serif\" font-size=\"11\">")
            .Append("<rect width=\"100%\" height=\"100%\" fill=\"white\" stroke=\"#ddd\"/>")
            .Append(Text(W / 2, 14, title, "middle"));

    private static string Close(StringBuilder sb) => sb.Append("</svg>").ToString();

    private static void Axes(StringBuilder sb) =>
        sb.Append($"<line x1=\"{Margin}\" y1=\"{H - Margin}\" x2=\"{W - Margin}\" y2=\"{H - Margin}\" stroke=\"#888\"/>")
          .Append($"<line x1=\"{Margin}\" y1=\"{Margin}\" x2=\"{Margin}\" y2=\"{H - Margin}\" stroke=\"#888\"/>");

    private static string Text(double x, double y, string s, string anchor, string? transform = null) =>
        $"<text x=\"{F(x)}\" y=\"{F(y)}\" text-anchor=\"{anchor}\"{(transform is null ? "" : $" transform=\"{transform}\"")}>{WebUtility.HtmlEncode(s)}</text>";
}
