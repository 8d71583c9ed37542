using HiddenConvex.Core.Data;

namespace HiddenConvex.Core.IO;

/// <summary>
/// Reads and writes networks: JSON {"U": [[..]], "alpha": [..]} and .npz (arrays U, alpha).
/// Writing never overwrites an existing file unless <c>force</c> is set.
/// </summary>
public static class NetworkIO
{
    /// <summary>Loads a network, choosing the format by extension.</summary>
    public static Network Load(string path) => throw new NotImplementedException();

    /// <summary>Writes a network as JSON (.json) or .npz; refuses to overwrite without force.</summary>
    public static void Save(Network network, string path, bool force) => throw new NotImplementedException();
}
