-- wrk script: a cached nearestShops read (anonymous, X-Tenant), the registered NearestShops operation.
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["X-Tenant"] = "load-0001"
wrk.body = [==[{"query": "query NearestShops($near: GeoPointInput!, $radiusMeters: Float!, $first: Int) {\n  nearestShops(near: $near, radiusMeters: $radiusMeters, first: $first) {\n    distanceMeters\n    shop { id name address phone callUrl location { lat lng } rating { average count } photos { thumbUrl } }\n  }\n}", "variables": {"near": {"lat": 39.92, "lng": 116.42, "datum": "WGS84"}, "radiusMeters": 3000.0, "first": 10}}]==]
