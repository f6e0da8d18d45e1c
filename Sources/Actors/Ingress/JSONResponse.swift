import HTTPTypes
import Hummingbird
import Pipeline

/// Small JSON answers with string members, keys in sorted order.
enum JSONResponse {
    static func make(_ status: HTTPResponse.Status, _ members: [String: String], headers: HTTPFields = [:]) -> Response {
        var writer = JSONWriter()
        writer.beginObject()
        for (key, value) in members.sorted(by: { $0.key < $1.key }) { writer.member(key, value) }
        writer.endObject()
        var fields = headers
        fields[.contentType] = "application/json"
        return Response(status: status, headers: fields, body: ResponseBody(byteBuffer: ByteBuffer(string: writer.text)))
    }
}
